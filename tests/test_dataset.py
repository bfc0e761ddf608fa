"""Datasets (DESIGN.md §3, §7): load_dataset on real CSV folders and .xlsx workbooks, validation.

Files are written in tmp_path. In CSV messages the row is the file's line number (header =
row 1); in .xlsx messages the cell is named ('Data'!C14). Nothing is silently dropped: a
bad or blank required cell raises, naming the file/table, column and row/cell.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import openpyxl.xml
import pandas as pd
import pytest
from openpyxl.worksheet.table import Table

from kpi_core import Dataset, KpiInputError, load_dataset, validate_tables

from _helpers import assert_error


def write_csv(folder, name, text, encoding="utf-8"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(text.encode(encoding))
    return folder


def load_error(folder):
    with pytest.raises(KpiInputError) as ei:
        load_dataset(folder)
    return ei


SUBS_OK = "customer_id,month,mrr\nC1,2026-01,100\nC2,2026-01,200\nC1,2026-02,120\n"


# ------------------------------------------------------------------ CSV folders that load


def utf8_folder(tmp_path):
    folder = tmp_path / "utf8"
    write_csv(folder, "customers.csv",
              "customer_id,name,segment,csm,country,signup_date,notes\n"
              "C001,Hôtel de l'Île,SMB,Amélie Durand,France,2024-03-15,\"Crème brûlée, et cætera\"\n"
              "C002,\"Société d'Évry, SARL\",Mid-Market,Jérôme N'Diaye,Belgique,2025-01-02,\n"
              "C003,O'Neill & Fils,Enterprise,Zoé Martin,Suisse,,\n")
    write_csv(folder, "subscriptions.csv",
              "customer_id,month,mrr\n"
              "C001,2026-01,150\n"
              "C001,2026-02-01,175.5\n"
              "C002,2026-01,900\n"
              "C003,2026-02,4000\n")
    write_csv(folder, "responses.csv",
              "customer_id,date,survey,score\n"
              "C001,2026-01-14,NPS,9\n"
              "C002,2026-01-20,NPS,\n"
              "C002,2026-02-03,CSAT,oui\n"
              "C003,2026-02-10,CES,6\n")
    write_csv(folder, "tickets.csv",
              "ticket_id,customer_id,opened_at,resolved_first_contact,first_response_hours\n"
              "T1,C001,2026-01-05 09:30,TRUE,1.5\n"
              "T2,C003,2026-02-11T14:00,no,\n")
    return folder


def test_csv_folder_utf8_with_accents_and_apostrophes_round_trips(tmp_path):
    ds = load_dataset(utf8_folder(tmp_path))
    assert sorted(ds.tables) == ["Customers", "Responses", "Subscriptions", "Tickets"]
    customers = ds.table("Customers")
    assert customers["name"].tolist() == ["Hôtel de l'Île", "Société d'Évry, SARL", "O'Neill & Fils"]
    assert customers["csm"].tolist()[:2] == ["Amélie Durand", "Jérôme N'Diaye"]
    assert customers["customer_id"].tolist() == ["C001", "C002", "C003"]
    # extra columns are kept
    assert customers["notes"].tolist()[0] == "Crème brûlée, et cætera"


def test_csv_subscriptions_values_and_months_round_trip(tmp_path):
    subs = load_dataset(utf8_folder(tmp_path)).table("Subscriptions")
    assert subs["mrr"].tolist() == [150.0, 175.5, 900.0, 4000.0]
    assert subs["month"].tolist() == [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01"),
                                      pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01")]


def test_csv_blank_nps_score_is_kept_as_blank_and_ignored_not_an_error(tmp_path):
    responses = load_dataset(utf8_folder(tmp_path)).table("Responses")
    assert len(responses) == 4  # no row dropped
    assert responses["score"].iloc[0] == 9.0
    assert np.isnan(responses["score"].iloc[1])
    assert responses["score"].iloc[3] == 6.0


def test_csv_tickets_booleans_dates_and_blank_optional_hours(tmp_path):
    tickets = load_dataset(utf8_folder(tmp_path)).table("Tickets")
    assert tickets["resolved_first_contact"].tolist() == [True, False]
    assert tickets["opened_at"].tolist() == [pd.Timestamp("2026-01-05 09:30"), pd.Timestamp("2026-02-11 14:00")]
    assert tickets["first_response_hours"].iloc[0] == 1.5
    assert np.isnan(tickets["first_response_hours"].iloc[1])


def test_csv_with_utf8_bom_as_excel_csv_utf8_writes(tmp_path):
    folder = write_csv(tmp_path / "bom", "subscriptions.csv", "\ufeff" + SUBS_OK)
    subs = load_dataset(folder).table("Subscriptions")
    assert list(subs.columns)[:3] == ["customer_id", "month", "mrr"]
    assert subs["mrr"].tolist() == [100.0, 200.0, 120.0]


def test_csv_semicolon_decimal_comma_cp1252_as_french_excel_writes(tmp_path):
    folder = tmp_path / "fr"
    write_csv(folder, "customers.csv",
              "customer_id;name;segment\r\nC001;Hôtel d'Évry;PME\r\nC002;Crèche Lefèvre & Fils;ETI\r\n",
              encoding="cp1252")
    write_csv(folder, "subscriptions.csv",
              "customer_id;month;mrr\r\nC001;2026-01;1234,50\r\nC002;2026-01;99,9\r\nC001;2026-02;1300\r\n",
              encoding="cp1252")
    write_csv(folder, "tickets.csv",
              "ticket_id;customer_id;opened_at;resolved_first_contact;first_response_hours\r\n"
              "T1;C001;2026-01-05 09:30;VRAI;2,5\r\nT2;C002;2026-01-06;FAUX;0,25\r\n",
              encoding="cp1252")
    ds = load_dataset(folder)
    assert ds.table("Customers")["name"].tolist() == ["Hôtel d'Évry", "Crèche Lefèvre & Fils"]
    assert ds.table("Subscriptions")["mrr"].tolist() == [1234.5, 99.9, 1300.0]
    assert ds.table("Tickets")["first_response_hours"].tolist() == [2.5, 0.25]
    assert ds.table("Tickets")["resolved_first_contact"].tolist() == [True, False]


def test_csv_timestamps_with_different_utc_offsets_load(tmp_path):
    # A helpdesk export across the March daylight-saving change: +01:00 then +02:00.
    # Both are valid dates; loading must not crash with a raw pandas ValueError.
    folder = write_csv(tmp_path / "tz", "tickets.csv",
                       "ticket_id,customer_id,opened_at,resolved_first_contact\n"
                       "T1,C1,2026-03-02T10:00:00+01:00,TRUE\n"
                       "T2,C1,2026-04-02T10:00:00+02:00,FALSE\n")
    tickets = load_dataset(folder).table("Tickets")
    assert len(tickets) == 2
    assert [(t.year, t.month, t.day) for t in tickets["opened_at"]] == [(2026, 3, 2), (2026, 4, 2)]


def test_csv_file_names_are_lower_case_table_names(tmp_path):
    folder = write_csv(tmp_path / "x", "funnel.csv", "month,visitors,conversions\n2026-01,1000,20\n")
    write_csv(folder, "readme.csv", "anything,else\n1,2\n")  # not a table: ignored
    ds = load_dataset(folder)
    assert list(ds.tables) == ["Funnel"]


# --------------------------------------------------------------- CSV: bad input, each named


def test_csv_text_in_numeric_column_names_file_line_and_column(tmp_path):
    folder = write_csv(tmp_path / "d", "subscriptions.csv",
                       "customer_id,month,mrr\nC1,2026-01,100\nC2,2026-01,200\nC3,2026-01,abc\n")
    ei = load_error(folder)
    assert_error(ei, "value", "subscriptions.csv", "row 4", "mrr", "abc")
    assert "row 4" in ei.value.location and "mrr" in ei.value.location


def test_csv_blank_mrr_cell_raises_instead_of_being_dropped(tmp_path):
    folder = write_csv(tmp_path / "d", "subscriptions.csv",
                       "customer_id,month,mrr\nC1,2026-01,100\nC2,2026-01,\nC3,2026-01,50\n")
    assert_error(load_error(folder), "value", "subscriptions.csv", "row 3", "mrr", "blank")


def test_csv_negative_mrr_is_num_error_naming_the_row(tmp_path):
    folder = write_csv(tmp_path / "d", "subscriptions.csv",
                       "customer_id,month,mrr\nC1,2026-01,100\nC2,2026-01,-20\n")
    assert_error(load_error(folder), "num", "subscriptions.csv", "row 3", "mrr")


def test_csv_decimal_comma_in_a_comma_separated_file_is_an_error_not_misread(tmp_path):
    folder = write_csv(tmp_path / "d", "subscriptions.csv",
                       'customer_id,month,mrr\nC1,2026-01,"1234,50"\n')
    assert_error(load_error(folder), "value", "subscriptions.csv", "row 2", "mrr")


def test_csv_unparseable_date_names_the_row(tmp_path):
    folder = write_csv(tmp_path / "d", "responses.csv",
                       "customer_id,date,survey,score\nC1,2026-02-10,NPS,9\nC1,2026-02-30,NPS,8\n")
    assert_error(load_error(folder), "value", "responses.csv", "row 3", "date", "2026-02-30")


def test_csv_day_first_date_is_rejected_not_silently_misread(tmp_path):
    # 03/04/2026 is 3 April in France and March 4 in the US: never guess
    folder = write_csv(tmp_path / "d", "orders.csv",
                       "order_id,customer_id,date,amount\nO1,C1,03/04/2026,10\n")
    assert_error(load_error(folder), "value", "orders.csv", "row 2", "date", "03/04/2026")


def test_csv_mid_month_date_in_month_column_names_the_row(tmp_path):
    folder = write_csv(tmp_path / "d", "subscriptions.csv",
                       "customer_id,month,mrr\nC1,2026-01,100\nC2,2026-01-15,200\n")
    assert_error(load_error(folder), "value", "subscriptions.csv", "row 3", "month", "2026-01-15")


def test_csv_duplicate_customer_month_in_subscriptions_names_both_rows(tmp_path):
    folder = write_csv(tmp_path / "d", "subscriptions.csv",
                       "customer_id,month,mrr\nC1,2026-01,100\nC2,2026-01,200\nC1,2026-01-01,300\n")
    assert_error(load_error(folder), "value", "subscriptions.csv", "row 4", "row 2", "duplicate", "C1")


def test_csv_duplicate_ticket_id_names_the_row(tmp_path):
    folder = write_csv(tmp_path / "d", "tickets.csv",
                       "ticket_id,customer_id,opened_at,resolved_first_contact\n"
                       "T1,C1,2026-01-02,TRUE\nT2,C1,2026-01-03,FALSE\nT1,C2,2026-01-04,TRUE\n")
    assert_error(load_error(folder), "value", "tickets.csv", "row 4", "ticket_id", "T1", "duplicate")


def test_csv_missing_required_column_names_table_and_column(tmp_path):
    folder = write_csv(tmp_path / "d", "subscriptions.csv", "customer_id,month,amount\nC1,2026-01,100\n")
    assert_error(load_error(folder), "value", "Subscriptions", "mrr", "missing")


def test_csv_unknown_customer_in_subscriptions_when_customers_present(tmp_path):
    folder = write_csv(tmp_path / "d", "customers.csv", "customer_id,name\nC1,Un\nC2,Deux\n")
    write_csv(folder, "subscriptions.csv", "customer_id,month,mrr\nC1,2026-01,100\nC9,2026-01,50\n")
    assert_error(load_error(folder), "value", "subscriptions.csv", "row 3", "customer_id", "C9", "Customers")


def test_csv_unknown_customer_is_fine_without_a_customers_table(tmp_path):
    folder = write_csv(tmp_path / "d", "subscriptions.csv", "customer_id,month,mrr\nC9,2026-01,50\n")
    assert load_dataset(folder).table("Subscriptions")["customer_id"].tolist() == ["C9"]


def test_csv_nps_score_11_is_num_error_naming_the_row(tmp_path):
    folder = write_csv(tmp_path / "d", "responses.csv",
                       "customer_id,date,survey,score\nC1,2026-01-02,NPS,10\nC1,2026-01-03,NPS,11\n")
    assert_error(load_error(folder), "num", "responses.csv", "row 3", "score", "NPS")


def test_csv_fractional_nps_score_is_num_error_naming_the_row(tmp_path):
    folder = write_csv(tmp_path / "d", "responses.csv",
                       "customer_id,date,survey,score\nC1,2026-01-02,NPS,7.5\n")
    assert_error(load_error(folder), "num", "responses.csv", "row 2", "score")


def test_csv_text_nps_score_is_value_error_naming_the_row(tmp_path):
    folder = write_csv(tmp_path / "d", "responses.csv",
                       "customer_id,date,survey,score\nC1,2026-01-02,NPS,9\nC1,2026-01-03,NPS,great\n")
    assert_error(load_error(folder), "value", "responses.csv", "row 3", "score", "great")


def test_csv_yes_no_answer_to_an_nps_question_is_an_error(tmp_path):
    folder = write_csv(tmp_path / "d", "responses.csv",
                       "customer_id,date,survey,score\nC1,2026-01-02,NPS,TRUE\n")
    assert_error(load_error(folder), "value", "responses.csv", "row 2", "score")


def test_csv_csat_score_6_on_one_to_five_is_num_error(tmp_path):
    folder = write_csv(tmp_path / "d", "responses.csv",
                       "customer_id,date,survey,score\nC1,2026-01-02,CSAT,6\n")
    assert_error(load_error(folder), "num", "responses.csv", "row 2", "score", "CSAT")


def test_csv_unknown_survey_type_names_the_row(tmp_path):
    folder = write_csv(tmp_path / "d", "responses.csv",
                       "customer_id,date,survey,score\nC1,2026-01-02,NPS,9\nC1,2026-01-02,eNPS,9\n")
    assert_error(load_error(folder), "value", "responses.csv", "row 3", "survey", "eNPS")


def test_csv_bad_boolean_names_the_row(tmp_path):
    folder = write_csv(tmp_path / "d", "tickets.csv",
                       "ticket_id,customer_id,opened_at,resolved_first_contact\nT1,C1,2026-01-02,maybe\n")
    assert_error(load_error(folder), "value", "tickets.csv", "row 2", "resolved_first_contact", "maybe")


def test_csv_fractional_count_in_usage_is_num_error(tmp_path):
    folder = write_csv(tmp_path / "d", "usage.csv",
                       "customer_id,month,logins,active_users\nC1,2026-01,10,2.5\n")
    assert_error(load_error(folder), "num", "usage.csv", "row 2", "active_users")


def test_csv_goals_met_above_one_is_num_error(tmp_path):
    folder = write_csv(tmp_path / "d", "usage.csv", "customer_id,month,goals_met\nC1,2026-01,1.2\n")
    assert_error(load_error(folder), "num", "usage.csv", "row 2", "goals_met")


def test_csv_row_numbers_are_file_line_numbers_even_after_a_blank_line(tmp_path):
    # line 1 header, line 2 data, line 3 empty, line 4 bad: the message must say row 4
    folder = write_csv(tmp_path / "d", "subscriptions.csv",
                       "customer_id,month,mrr\nC1,2026-01,100\n\nC2,2026-01,abc\n")
    assert_error(load_error(folder), "value", "subscriptions.csv", "row 4", "mrr")


def test_load_dataset_missing_path_is_value_error(tmp_path):
    with pytest.raises(KpiInputError) as ei:
        load_dataset(tmp_path / "nowhere")
    assert_error(ei, "value", "nowhere")


def test_load_dataset_folder_without_table_files_is_value_error(tmp_path):
    folder = write_csv(tmp_path / "d", "clients.csv", "id\n1\n")
    assert_error(load_error(folder), "value", "subscriptions.csv")


# ------------------------------------------------------------------------- .xlsx workbooks


def add_table(ws, name, header, rows, top_left_row=1, top_left_col=1):
    for j, h in enumerate(header):
        ws.cell(row=top_left_row, column=top_left_col + j, value=h)
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            ws.cell(row=top_left_row + i, column=top_left_col + j, value=v)
    first = ws.cell(row=top_left_row, column=top_left_col).coordinate
    last = ws.cell(row=top_left_row + len(rows), column=top_left_col + len(header) - 1).coordinate
    ws.add_table(Table(displayName=name, ref=f"{first}:{last}"))


def subscription_rows(n=19):
    # 19 data rows: sheet rows 2..20 (header in row 1)
    return [[f"C{i % 3 + 1}", dt.datetime(2026, 1 + i // 3, 1), 100 + i] for i in range(n)]


def build_workbook(path, subs_rows=None, customers=None):
    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "Data"
    add_table(data, "Subscriptions", ["customer_id", "month", "mrr"], subs_rows or subscription_rows())
    clients = wb.create_sheet("Clients")
    clients["A1"] = "Notre portefeuille"
    add_table(clients, "Customers", ["customer_id", "name", "segment", "notes"],
              customers or [["C1", "Hôtel de l'Île", "SMB", None],
                            ["C2", "Société d'Évry", "Mid-Market", "clé"],
                            ["C3", "O'Neill & Fils", "Enterprise", None]],
              top_left_row=3, top_left_col=2)
    support = wb.create_sheet("Support")
    add_table(support, "Tickets", ["ticket_id", "customer_id", "opened_at", "resolved_first_contact",
                                   "first_response_hours"],
              [[1001, "C1", dt.datetime(2026, 1, 5, 9, 30), True, 1.5],
               [1002, "C2", dt.datetime(2026, 2, 6, 14, 0), False, None]])
    add_table(support, "Brouillon", ["a", "b"], [[1, 2]], top_left_col=8)  # not a dataset table: ignored
    wb.save(path)
    return path


def test_openpyxl_reads_xml_through_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True


def test_xlsx_with_excel_tables_round_trips(tmp_path):
    ds = load_dataset(build_workbook(tmp_path / "book.xlsx"))
    assert sorted(ds.tables) == ["Customers", "Subscriptions", "Tickets"]
    customers = ds.table("Customers")
    assert customers["customer_id"].tolist() == ["C1", "C2", "C3"]
    assert customers["name"].tolist() == ["Hôtel de l'Île", "Société d'Évry", "O'Neill & Fils"]
    assert "notes" in customers.columns
    subs = ds.table("Subscriptions")
    assert len(subs) == 19
    assert subs["mrr"].tolist() == [100.0 + i for i in range(19)]
    assert subs["month"].iloc[0] == pd.Timestamp("2026-01-01")
    assert subs["month"].iloc[18] == pd.Timestamp("2026-07-01")
    tickets = ds.table("Tickets")
    assert tickets["ticket_id"].tolist() == ["1001", "1002"]  # numeric ids become text, no '.0'
    assert tickets["resolved_first_contact"].tolist() == [True, False]
    assert tickets["opened_at"].iloc[0] == pd.Timestamp("2026-01-05 09:30")
    assert tickets["first_response_hours"].iloc[0] == 1.5 and np.isnan(tickets["first_response_hours"].iloc[1])


def test_xlsx_text_in_mrr_names_the_cell(tmp_path):
    rows = subscription_rows()
    rows[12][2] = "abc"  # 13th data row -> sheet row 14, column C
    with pytest.raises(KpiInputError) as ei:
        load_dataset(build_workbook(tmp_path / "bad.xlsx", subs_rows=rows))
    assert_error(ei, "value", "'Data'!C14", "mrr", "Subscriptions")
    assert "'Data'!C14" in ei.value.location


def test_xlsx_negative_mrr_names_the_cell(tmp_path):
    rows = subscription_rows()
    rows[4][2] = -10  # sheet row 6
    with pytest.raises(KpiInputError) as ei:
        load_dataset(build_workbook(tmp_path / "bad.xlsx", subs_rows=rows))
    assert_error(ei, "num", "'Data'!C6", "mrr")


def test_xlsx_table_not_at_a1_names_the_right_cell(tmp_path):
    # Customers header at B3, data rows 4..6; the duplicate C1 is the third data row -> B6
    customers = [["C1", "Un", "SMB", None], ["C2", "Deux", "SMB", None], ["C1", "Trois", "SMB", None]]
    with pytest.raises(KpiInputError) as ei:
        load_dataset(build_workbook(tmp_path / "bad.xlsx", customers=customers))
    assert_error(ei, "value", "'Clients'!B6", "duplicate", "C1")


def test_xlsx_mid_month_date_in_month_column_names_the_cell(tmp_path):
    rows = subscription_rows()
    rows[0][1] = dt.datetime(2026, 1, 15)  # sheet row 2, column B
    with pytest.raises(KpiInputError) as ei:
        load_dataset(build_workbook(tmp_path / "bad.xlsx", subs_rows=rows))
    assert_error(ei, "value", "'Data'!B2", "month")


def test_xlsx_unknown_customer_names_the_cell(tmp_path):
    rows = subscription_rows()
    rows[2][0] = "C42"  # sheet row 4, column A
    with pytest.raises(KpiInputError) as ei:
        load_dataset(build_workbook(tmp_path / "bad.xlsx", subs_rows=rows))
    assert_error(ei, "value", "'Data'!A4", "C42", "Customers")


def test_xlsx_boolean_among_nps_scores_names_the_cell(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Avis"
    add_table(ws, "Responses", ["customer_id", "date", "survey", "score"],
              [["C1", dt.datetime(2026, 1, 2), "NPS", 9], ["C1", dt.datetime(2026, 1, 3), "NPS", True]])
    wb.save(tmp_path / "bool.xlsx")
    with pytest.raises(KpiInputError) as ei:
        load_dataset(tmp_path / "bool.xlsx")
    assert_error(ei, "value", "'Avis'!D3", "score")


def test_xlsx_table_total_row_is_not_data(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    rows = [["C1", dt.datetime(2026, 1, 1), 100], ["C2", dt.datetime(2026, 1, 1), 50]]
    for r, row in enumerate([["customer_id", "month", "mrr"], *rows, ["Total", None, 150]], start=1):
        for c, v in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=v)
    ws.add_table(Table(displayName="Subscriptions", ref="A1:C4", totalsRowCount=1))
    wb.save(tmp_path / "totals.xlsx")
    subs = load_dataset(tmp_path / "totals.xlsx").table("Subscriptions")
    assert subs["customer_id"].tolist() == ["C1", "C2"]
    assert subs["mrr"].tolist() == [100.0, 50.0]


def test_xlsx_without_a_table_of_the_exact_names_is_value_error(tmp_path):
    wb = openpyxl.Workbook()
    add_table(wb.active, "subscriptions_2026", ["customer_id", "month", "mrr"], subscription_rows(2))
    wb.save(tmp_path / "noname.xlsx")
    with pytest.raises(KpiInputError) as ei:
        load_dataset(tmp_path / "noname.xlsx")
    assert_error(ei, "value", "noname.xlsx", "Subscriptions")


def test_unreadable_xlsx_is_value_error(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"this is not a zip file")
    with pytest.raises(KpiInputError) as ei:
        load_dataset(path)
    assert_error(ei, "value", "broken.xlsx")


# ------------------------------------------------------------------- in-memory datasets


def test_dataset_from_dataframes_names_table_column_and_row_index():
    frame = pd.DataFrame({"customer_id": ["a", "b"], "month": ["2026-01", "2026-01"], "mrr": [10, -1]})
    with pytest.raises(KpiInputError) as ei:
        Dataset({"Subscriptions": frame})
    assert_error(ei, "num", "Subscriptions", "mrr", "row index 1")


def test_dataset_unknown_table_name_is_value_error():
    with pytest.raises(KpiInputError) as ei:
        Dataset({"Invoices": pd.DataFrame({"x": [1]})})
    assert_error(ei, "value", "Invoices")


def test_dataset_boolean_in_money_column_is_value_error():
    frame = pd.DataFrame({"order_id": ["o1", "o2"], "customer_id": ["a", "a"],
                          "date": ["2026-01-02", "2026-01-03"], "amount": [10.0, True]})
    with pytest.raises(KpiInputError) as ei:
        Dataset({"Orders": frame})
    assert_error(ei, "value", "Orders", "amount", "row index 1")


def test_validate_tables_lists_every_problem():
    tables = {
        "Subscriptions": pd.DataFrame({"customer_id": ["a", "a"], "month": ["2026-01", "2026-01-15"],
                                       "mrr": [10, -5]}),
        "Tickets": pd.DataFrame({"ticket_id": ["t", "t"], "customer_id": ["a", "a"],
                                 "opened_at": ["2026-01-02", "2026-01-03"], "resolved_first_contact": [1, 0]}),
    }
    problems = validate_tables(tables)
    text = "\n".join(map(str, problems))
    assert len(problems) >= 3
    assert "month" in text and "mrr" in text and "ticket_id" in text


def test_validate_tables_clean_data_has_no_problem():
    frame = pd.DataFrame({"customer_id": ["a"], "month": ["2026-01"], "mrr": [10]})
    assert validate_tables({"Subscriptions": frame}) == []


@pytest.mark.parametrize("table, text, fragment", [
    ("subscriptions.csv", "customer_id,month,mrr\nC1,2026-01,100\nC2,2300-01,200\n", "column month"),
    ("subscriptions.csv", "customer_id,month,mrr\nC1,1899-12,100\nC2,2026-01,200\n", "column month"),
])
def test_a_date_outside_1900_to_2199_is_refused_naming_its_cell(tmp_path, table, text, fragment):
    ei = load_error(write_csv(tmp_path / "data", table, text))
    assert_error(ei, "value", "subscriptions.csv", fragment, "outside the years 1900 to 2199")
