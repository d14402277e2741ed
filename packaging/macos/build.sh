#!/bin/sh
# Build Assessor.app and Assessor-<version>.dmg on macOS (Apple silicon or Intel; the
# app matches the Python and VLC architecture used). Run from the repository root:
#
#   VLC_ROOT="/Applications/VLC.app/Contents/MacOS" \
#   CODESIGN_IDENTITY="Developer ID Application: Example School District (TEAMID)" \
#   NOTARY_PROFILE=assessor-notary  packaging/macos/build.sh
#
# CODESIGN_IDENTITY and NOTARY_PROFILE are optional: without them the app is ad-hoc signed
# and runs on the build Mac only. See packaging/README.md for the whole procedure.
set -eu

: "${VLC_ROOT:=/Applications/VLC.app/Contents/MacOS}"
export VLC_ROOT
version=$(python3 -c 'import tomllib;print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')

# 1. A venv with the app and PyInstaller.
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[package]"

# 2. The .icns from the committed PNGs (iconutil ships with macOS).
iconset=build/assessor.iconset
rm -rf "$iconset" && mkdir -p "$iconset"
for size in 16 32 128 256 512; do
    cp "resources/icons/assessor-$size.png" "$iconset/icon_${size}x${size}.png"
done
cp resources/icons/assessor-32.png "$iconset/icon_16x16@2x.png"
cp resources/icons/assessor-64.png "$iconset/icon_32x32@2x.png"
cp resources/icons/assessor-256.png "$iconset/icon_128x128@2x.png"
cp resources/icons/assessor-512.png "$iconset/icon_256x256@2x.png"
iconutil -c icns "$iconset" -o resources/icons/assessor.icns

# 3. The app (the spec stops with a list if VLC_ROOT lacks libvlc or a plugin).
.venv/bin/pyinstaller --noconfirm --clean packaging/assessor.spec
app=dist/Assessor.app
test -s "$app/Contents/Frameworks/libvlc.5.dylib"
test -n "$(ls "$app/Contents/Frameworks/vlc/plugins")"

# 4. Sign every binary inside out, with the hardened runtime, then the app.
identity=${CODESIGN_IDENTITY:--}
find "$app/Contents" \( -name '*.dylib' -o -name '*.so' \) -type f -print0 |
    xargs -0 codesign --force --timestamp --options runtime --sign "$identity"
codesign --force --timestamp --options runtime \
    --entitlements packaging/macos/entitlements.plist --sign "$identity" \
    "$app/Contents/MacOS/assessor-app"
codesign --force --timestamp --options runtime \
    --entitlements packaging/macos/entitlements.plist --sign "$identity" "$app"
codesign --verify --deep --strict "$app"

# 5. Smoke test the signed app against a demo hub (see packaging/README.md).
"$app/Contents/MacOS/assessor-app" --version

# 6. Disk image, notarized and stapled when a notary profile is configured.
dmg="dist/Assessor-$version.dmg"
rm -f "$dmg"
hdiutil create -volname Assessor -srcfolder "$app" -ov -format UDZO "$dmg"
if [ -n "${NOTARY_PROFILE:-}" ]; then
    codesign --force --timestamp --sign "$identity" "$dmg"
    xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$dmg"
fi
echo "Built $dmg"
