Attribute VB_Name = "CsKpi"
'CS KPIs add-in: the ribbon callbacks.
'
'Every button of the "CS KPIs" ribbon tab calls OnAction. Except for "Import functions",
'the button id goes to Python, addin.ribbon.dispatch(button_id), through RunPython of
'the add-in's "xlwings" module. That module reads its settings from the "cskpi.conf"
'sheet of the active workbook or of this add-in, then from a cskpi.conf file next to
'the active workbook, then from the user's cskpi.conf written by "cskpi addin install".
Option Explicit

Public Sub OnAction(control As IRibbonControl)
    If control.Id = "ImportFunctions" Then
        ImportFunctions
    Else
        RunPython "import addin.ribbon; addin.ribbon.dispatch('" & control.Id & "')"
    End If
End Sub

'Imports the Excel functions of the "UDF Modules" setting (addin.udfs) into this add-in
'and saves it, so =NPS(...) and the other CS KPI functions work in every workbook.
'Windows only: xlwings runs Python functions in Excel for Windows only.
Public Sub ImportFunctions()
#If Mac Then
    MsgBox "The CS KPI Excel functions need Excel for Windows.", vbInformation, "CS KPIs"
#Else
    If Not CanEditVbaProject() Then
        MsgBox "To import the CS KPI functions, tick File > Options > Trust Center > " & _
               "Trust Center Settings > Macro Settings > ""Trust access to the VBA " & _
               "project object model"", then click Import functions again.", _
               vbExclamation, "CS KPIs"
        Exit Sub
    End If
    ImportPythonUDFsToAddin
    ThisWorkbook.Save
#End If
End Sub

Private Function CanEditVbaProject() As Boolean
    Dim n As Long
    On Error Resume Next
    n = ThisWorkbook.VBProject.VBComponents.Count
    CanEditVbaProject = (Err.Number = 0)
    On Error GoTo 0
End Function
