; fhp-monitor's Windows installer (NSIS 3, Unicode), built by tools/build_windows_installer.py:
;   makensis -DVERSION=0.1.0 -DAPPDIR=<PyInstaller folder> -DICON=<.ico> -DOUTFILE=<setup.exe> installer.nsi
; Per user, no administrator: the program goes to %LOCALAPPDATA%\Programs\fhp-monitor, the Start-menu
; shortcut to the user's own Start menu, the Settings -> Apps entry to HKCU. Options on the last page:
; "Start fhp-monitor when I sign in" and "Open fhp-monitor now". Silent: setup.exe /S [/AUTOSTART=1].
; The uninstaller stops the app, removes program files, shortcut, login entry and the Apps entry, and
; asks whether to keep the posture history (kept by default; /S keeps it).
; Signing (maintainers with a certificate): define SIGN_COMMAND, e.g.
;   -DSIGN_COMMAND="osslsigncode-sign.sh"  (called with the file to sign as its one argument)
; and the installer and its uninstaller are signed as they are written (!finalize / !uninstfinalize).

; 64-bit stubs: the app is 64-bit only (MediaPipe, OpenCV), and a 64-bit installer needs no WoW64 (nor
; wine32 in CI); 64-bit Windows 10 and 11 only, like the app itself
Target amd64-unicode
!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"

!ifndef VERSION
  !error "VERSION is not defined (-DVERSION=x.y.z)"
!endif
!define APP "fhp-monitor"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP}"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"

Name "${APP}"
OutFile "${OUTFILE}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\${APP}"
SetCompressor /SOLID lzma
SetCompressorDictSize 64
SetDateSave off           ; files get the install time, not the build machine's: same bytes every build
ShowInstDetails nevershow
ShowUninstDetails nevershow
BrandingText "${APP} ${VERSION}"
VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${APP}"
VIAddVersionKey "FileDescription" "${APP} setup"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "MIT licence"
!ifdef SIGN_COMMAND
  !finalize '${SIGN_COMMAND} "%1"'
  !uninstfinalize '${SIGN_COMMAND} "%1"'
!endif

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_WELCOMEPAGE_TEXT "fhp-monitor looks through your webcam now and then and gently tells you when your head drifts forward.$\r$\n$\r$\nPictures never leave your computer, and nothing is sent anywhere.$\r$\n$\r$\nClick Install to put it on this computer for you (no administrator needed)."
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP}.exe"
!define MUI_FINISHPAGE_RUN_PARAMETERS "run"
!define MUI_FINISHPAGE_RUN_TEXT "Open fhp-monitor now"
; the finish page's second check box is NSIS's "show readme"; here it means "start when I sign in"
!define MUI_FINISHPAGE_SHOWREADME ""
!define MUI_FINISHPAGE_SHOWREADME_NOTCHECKED
!define MUI_FINISHPAGE_SHOWREADME_TEXT "Start fhp-monitor when I sign in"
!define MUI_FINISHPAGE_SHOWREADME_FUNCTION StartWhenSignedIn

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  SetShellVarContext current
FunctionEnd

Function un.onInit
  SetShellVarContext current
FunctionEnd

; The app keeps its own "start at log-in" setting (config.yaml app.autostart, which wins at each start):
; the installer asks the app to turn it on, so the setting and the Run entry agree.
Function StartWhenSignedIn
  nsExec::Exec '"$INSTDIR\${APP}-cli.exe" autostart on'
  Pop $0
FunctionEnd

Section "fhp-monitor" SecApp
  SectionIn RO
  ; an earlier copy may be running: ask it to stop so its files can be replaced
  ${If} ${FileExists} "$INSTDIR\${APP}-cli.exe"
    nsExec::Exec '"$INSTDIR\${APP}-cli.exe" quit'
    Pop $0
    RMDir /r "$INSTDIR\_internal"
  ${EndIf}
  SetOutPath "$INSTDIR"
  File /r "${APPDIR}\*"
  File "/oname=$INSTDIR\${APP}.ico" "${ICON}"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortCut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\${APP}.exe" "run" "$INSTDIR\${APP}.ico" 0 \
      SW_SHOWNORMAL "" "Gentle reminders to bring your head back over your shoulders"

  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${APP}.ico"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "fhp-monitor contributors"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" $0

  ; silent installs for IT: /AUTOSTART=1 turns on starting at sign-in
  ${If} ${Silent}
    ${GetParameters} $R0
    ${GetOptions} $R0 "/AUTOSTART=" $R1
    ${If} $R1 == "1"
      Call StartWhenSignedIn
    ${EndIf}
  ${EndIf}
SectionEnd

Section "Uninstall"
  nsExec::Exec '"$INSTDIR\${APP}-cli.exe" quit'
  Pop $0
  DeleteRegValue HKCU "${RUN_KEY}" "${APP}"
  Delete "$SMPROGRAMS\${APP}.lnk"
  ; an earlier version of the app could leave a Startup-folder file (desktop/autostart/windows.py)
  Delete "$SMSTARTUP\${APP}.cmd"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${APP}.exe"
  Delete "$INSTDIR\${APP}-cli.exe"
  Delete "$INSTDIR\${APP}.ico"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  ; the posture history, settings and log (desktop data folders, see fhp_monitor/home/folder.py)
  MessageBox MB_YESNO|MB_ICONQUESTION|MB_DEFBUTTON1 \
      "Keep your posture history and settings?$\r$\n$\r$\nChoose Yes to keep them for a later install (they stay in $APPDATA\${APP}). Choose No to delete them." \
      /SD IDYES IDYES keep
    RMDir /r "$APPDATA\${APP}"
    RMDir /r "$LOCALAPPDATA\${APP}"
  keep:
SectionEnd
