# Build Assessor for Windows (x64): the PyInstaller folder, then an Inno Setup installer.
# Run from the repository root in PowerShell, with Python 3.11 x64 and VLC 3.0.x x64:
#
#   $env:VLC_ROOT = "C:\Program Files\VideoLAN\VLC"     # or an unzipped vlc-3.0.x-win64
#   $env:SIGN_CERT_THUMBPRINT = "<thumbprint>"          # optional: Authenticode signing
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
#
# See packaging/README.md for the whole procedure.
$ErrorActionPreference = "Stop"

if (-not $env:VLC_ROOT) { $env:VLC_ROOT = "C:\Program Files\VideoLAN\VLC" }
if (-not (Test-Path "$env:VLC_ROOT\libvlc.dll")) {
    throw "No libvlc.dll in VLC_ROOT=$env:VLC_ROOT (install VLC 3.0.x 64-bit or unzip vlc-3.0.x-win64.zip)"
}
$version = (python -c "import tomllib;print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])").Trim()

# 1. A venv with the app and PyInstaller.
python -m venv .venv
.venv\Scripts\python -m pip install -q --upgrade pip
.venv\Scripts\python -m pip install -q -e ".[package]"

# 2. The app folder, without a console window for assessors.
$env:ASSESSOR_WINDOWED = "1"
.venv\Scripts\pyinstaller --noconfirm --clean packaging\assessor.spec
if (-not (Test-Path "dist\assessor\_internal\plugins\codec\libavcodec_plugin.dll")) {
    throw "The bundle has no VLC plugins"
}

# 3. Authenticode: sign the executable and every DLL we ship (VideoLAN's are already
#    signed by VideoLAN; re-signing them with our certificate is allowed and harmless).
if ($env:SIGN_CERT_THUMBPRINT) {
    $files = @("dist\assessor\assessor-app.exe") + (Get-ChildItem dist\assessor\_internal -Recurse -Include *.dll,*.pyd | ForEach-Object FullName)
    signtool sign /sha1 $env:SIGN_CERT_THUMBPRINT /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 $files
}

# 4. The installer (Inno Setup 6: winget install JRSoftware.InnoSetup).
& "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" "/DAppVersion=$version" packaging\windows\assessor.iss
if ($env:SIGN_CERT_THUMBPRINT) {
    signtool sign /sha1 $env:SIGN_CERT_THUMBPRINT /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 "dist\Assessor-$version-setup.exe"
}
Write-Host "Built dist\Assessor-$version-setup.exe"
