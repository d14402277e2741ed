#!/bin/sh
# Install (or, with --uninstall, remove) Assessor for the current user: this folder is
# copied to ~/.local/opt/assessor, `assessor-app` is linked into ~/.local/bin, and the
# desktop entry and icons go to ~/.local/share so the app appears in the desktop's menu.
# Nothing needs root. Run it from the unpacked bundle:  ./install.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
prefix=$HOME/.local/opt/assessor
bin=$HOME/.local/bin

remove() {
    rm -f "$bin/assessor-app" "$data/applications/assessor.desktop"
    for icon in "$data"/icons/hicolor/*/apps/assessor.png "$data/icons/hicolor/scalable/apps/assessor.svg"; do
        rm -f "$icon"
    done
    rm -rf "$prefix"
}

if [ "${1:-}" = "--uninstall" ]; then
    remove
    echo "Assessor removed (your assessments in the data folder are kept)."
    exit 0
fi

if [ "$here" != "$prefix" ]; then
    remove
    mkdir -p "$prefix"
    cp -a "$here/." "$prefix/"
fi
mkdir -p "$bin" "$data/applications"
ln -sf "$prefix/assessor-app" "$bin/assessor-app"
for dir in "$prefix"/share/icons/hicolor/*/apps; do
    size=$(basename "$(dirname "$dir")")
    mkdir -p "$data/icons/hicolor/$size/apps"
    cp "$dir"/assessor.* "$data/icons/hicolor/$size/apps/"
done
sed "s|^Exec=.*|Exec=$prefix/assessor-app|; s|^TryExec=.*|TryExec=$prefix/assessor-app|" \
    "$prefix/share/applications/assessor.desktop" >"$data/applications/assessor.desktop"
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database "$data/applications" >/dev/null 2>&1 || true
fi
echo "Assessor installed in $prefix; start it from the menu or run: assessor-app"
