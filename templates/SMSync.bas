Attribute VB_Name = "SMSync"
' SMSync for Excel: ribbon callbacks and macros.
' Every button but Setup and Help runs one function of smsync_xl.macros through
' xlwings' RunPython; the logic lives in Python. Setup and Help only go to their
' sheet, in VBA, so they work before Python is set up. The macros without arguments
' are for Alt+F8.
Option Explicit

' Read Sage 50 and SMSTurbo and fill the two lists.
Public Sub SMSyncRefresh()
    RunPython "import smsync_xl.macros as m; m.refresh()"
End Sub

Public Sub SMSyncRefreshButton(control As IRibbonControl)
    SMSyncRefresh
End Sub

' Tick Include on every visible row that can be synchronized.
Public Sub SMSyncCheckAll()
    RunPython "import smsync_xl.macros as m; m.check_all()"
End Sub

Public Sub SMSyncCheckAllButton(control As IRibbonControl)
    SMSyncCheckAll
End Sub

' Clear Include on every row, hidden by a filter or not.
Public Sub SMSyncUncheckAll()
    RunPython "import smsync_xl.macros as m; m.uncheck_all()"
End Sub

Public Sub SMSyncUncheckAllButton(control As IRibbonControl)
    SMSyncUncheckAll
End Sub

' Bring the ticked rows into SMSTurbo.
Public Sub SMSyncSynchronize()
    RunPython "import smsync_xl.macros as m; m.synchronize()"
End Sub

Public Sub SMSyncSynchronizeButton(control As IRibbonControl)
    SMSyncSynchronize
End Sub

' Undo the last synchronization.
Public Sub SMSyncUndoLast()
    RunPython "import smsync_xl.macros as m; m.undo_last()"
End Sub

Public Sub SMSyncUndoLastButton(control As IRibbonControl)
    SMSyncUndoLast
End Sub

' Show the customers, the vendors or the materials (and refresh).
Public Sub SMSyncShowCustomers()
    RunPython "import smsync_xl.macros as m; m.show_entity('customers')"
End Sub

Public Sub SMSyncShowCustomersButton(control As IRibbonControl)
    SMSyncShowCustomers
End Sub

Public Sub SMSyncShowVendors()
    RunPython "import smsync_xl.macros as m; m.show_entity('vendors')"
End Sub

Public Sub SMSyncShowVendorsButton(control As IRibbonControl)
    SMSyncShowVendors
End Sub

Public Sub SMSyncShowMaterials()
    RunPython "import smsync_xl.macros as m; m.show_entity('materials')"
End Sub

Public Sub SMSyncShowMaterialsButton(control As IRibbonControl)
    SMSyncShowMaterials
End Sub

' Go to the Setup sheet.
Public Sub SMSyncShowSetup()
    ShowSheet "Setup"
End Sub

Public Sub SMSyncShowSetupButton(control As IRibbonControl)
    SMSyncShowSetup
End Sub

' Go to the Help sheet.
Public Sub SMSyncShowHelp()
    ShowSheet "Help"
End Sub

Public Sub SMSyncShowHelpButton(control As IRibbonControl)
    SMSyncShowHelp
End Sub

' Activate one of this workbook's sheets, even when another workbook is active; a sheet
' renamed or deleted gets a message instead of VBA's Debug dialog.
Private Sub ShowSheet(sheetName As String)
    On Error GoTo missing
    ThisWorkbook.Activate
    ThisWorkbook.Worksheets(sheetName).Activate
    Exit Sub
missing:
    MsgBox "The sheet " & sheetName & " is missing (renamed or deleted). Rename it back to " _
        & sheetName & ", or install a fresh workbook with 'smsync-xl install --force'.", _
        vbExclamation, "SMSync"
End Sub
