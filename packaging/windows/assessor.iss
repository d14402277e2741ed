; Inno Setup script for the Assessor installer; packaging/windows/build.ps1 runs it with
; /DAppVersion=<version> after PyInstaller has built dist\assessor\.
; Per-user install by default (no administrator rights on school laptops); an admin can
; run the installer with /ALLUSERS for a machine-wide install.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
AppId={{6C0B7E0B-2E7A-4B4F-9A55-0E6F3B1D2A11}
AppName=Assessor
AppVersion={#AppVersion}
AppPublisher=Assessor maintainers
DefaultDirName={autopf}\Assessor
DefaultGroupName=Assessor
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=Assessor-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\assessor.ico
UninstallDisplayIcon={app}\assessor-app.exe
LicenseFile=..\licenses\README.md
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Files]
Source: "..\..\dist\assessor\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\Assessor"; Filename: "{app}\assessor-app.exe"
Name: "{group}\Third-party licences"; Filename: "{app}\_internal\licenses\README.md"
Name: "{autodesktop}\Assessor"; Filename: "{app}\assessor-app.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\assessor-app.exe"; Description: "Start Assessor"; Flags: nowait postinstall skipifsilent
