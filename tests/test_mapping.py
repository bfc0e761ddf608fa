"""Mappings from users' exports to the §3 tables (``kpi_core.mapping``: spec, apply, _dates, _sources; DESIGN.md §12).

The example exports (``kpi_core/mapping/examples``) are checked against tables rebuilt
here from the raw files with the csv module and plain loops (names looked up by hand,
French dates read with a month table written out below), and against MRR worked out by
hand from the billing rows. Every other mapping feature has a small hand-made export
whose expected table is written in the test. Errors must name the mapping entry, or the
source file, the source's column header and the data row (1 = the first row under the
header) or the cell.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from _helpers import assert_error

import kpi_core
from kpi_core import KpiInputError
from kpi_core.mapping import (EXAMPLES_DIR, apply_mapping, load_mapping, mapping_from_dict, mapping_from_rows,
                              mapping_problems, rows_from_dict)
from kpi_core.mapping._dates import header_month, month_number, read_dates, read_numbers

FRENCH = {"janvier": 1, "févr.": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juil.": 7, "août": 8, "sept.": 9,
          "oct.": 10}
CSAT_WORDS = {"Très satisfait": 5, "Satisfait": 4, "Neutre": 3, "Insatisfait": 2, "Très insatisfait": 1}


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_text(text, encoding=encoding)
    return path


def mapping_file(folder: Path, text: str) -> Path:
    return write(folder, "mapping.toml", text)


def raises(fn, *fragments, kind="value"):
    with pytest.raises(KpiInputError) as err:
        fn()
    assert_error(err, kind, *fragments)
    return str(err.value)


def rows_of(frame: pd.DataFrame, columns) -> list:
    return [tuple(r) for r in frame[list(columns)].itertuples(index=False)]


# ------------------------------------------------------------------ the example exports
@pytest.fixture(scope="module")
def example() -> kpi_core.Dataset:
    return apply_mapping(EXAMPLES_DIR / "mapping.toml")


def _csv(name, delimiter=","):
    with open(EXAMPLES_DIR / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def test_example_mrr_by_hand(example):
    """Billing rows worked by hand: Team yearly 990/year/seat, Team monthly 99, Starter 49, Business 750 a quarter."""
    subs = example.table("Subscriptions")
    at = lambda cid, month: subs.loc[(subs["customer_id"] == cid) & (subs["month"] == month), "mrr"].sum()  # noqa
    assert at("cus_01", "2025-05-01") == 5 * 990 / 12                     # started 12 May: counts at 31 May
    assert at("cus_01", "2026-03-01") == 5 * 990 / 12 + 2 * 99            # two seats added on 3 March 2026
    assert at("cus_02", "2026-01-01") == 49 and at("cus_02", "2026-02-01") == 0   # cancelled 14 February
    assert at("cus_03", "2025-05-01") == 250                              # 750 every 3 months
    assert at("cus_04", "2025-11-01") == 297 and at("cus_04", "2025-12-01") == 0 and at("cus_04", "2026-04-01") == 297
    assert at("cus_05", "2026-08-01") == 825 and at("cus_05", "2026-09-01") == 0  # ended 15 September
    assert at("cus_07", "2026-05-01") == 396 and at("cus_07", "2026-06-01") == 198  # 4 seats -> 2 on 1 June
    assert subs["month"].min() == pd.Timestamp("2025-05-01") and subs["month"].max() == pd.Timestamp("2026-10-01")
    october = subs[subs["month"] == "2026-10-01"]
    assert october["mrr"].sum() == pytest.approx(610.5 + 250 + 297 + 198 + 198 + 49 + 250 + 247.5 + 594)  # 2 694
    moves = kpi_core.mrr_movements(subs).set_index("month")
    assert moves.at["2026-04-01", "reactivation"] == 297 and moves.at["2026-09-01", "churn"] == 825


def test_example_customers_are_one_row_per_customer(example):
    rows = _csv("billing.csv")
    expected = {}
    for r in rows:
        expected.setdefault(r["customer_oid"], r["customer_name"])
    customers = example.table("Customers")
    assert dict(zip(customers["customer_id"], customers["name"])) == expected and len(customers) == 12


def test_example_responses_rebuilt_from_the_survey_file(example):
    names = {r["customer_name"]: r["customer_oid"] for r in _csv("billing.csv")}
    questions = {"Recommanderiez-vous notre produit à un collègue ? (0-10)": "NPS",
                 "Êtes-vous satisfait de notre service ?": "CSAT",
                 "Il a été facile de résoudre mon problème (1-7)": "CES"}
    expected = []
    for r in _csv("survey.csv", ";"):
        day, month, year = r["Date de réponse"].split()
        date = dt.datetime(int(year), FRENCH[month], 1 if day == "1er" else int(day))
        for header, survey in questions.items():
            cell = r[header]
            if cell:
                expected.append((names[r["Compte"]], date, survey, float(CSAT_WORDS.get(cell) or cell)))
    got = example.table("Responses")
    assert rows_of(got, ["customer_id", "date", "survey", "score"]) == expected
    nps = [s for _, _, survey, s in expected if survey == "NPS"]
    assert kpi_core.nps(got.loc[got["survey"] == "NPS", "score"]) == pytest.approx(
        100 * (sum(s >= 9 for s in nps) - sum(s <= 6 for s in nps)) / len(nps))


def test_example_tickets_rebuilt_from_the_ticket_file(example):
    names = {r["customer_name"]: r["customer_oid"] for r in _csv("billing.csv")}
    expected = [(r["Ticket ID"], names[r["Organization"]], dt.datetime.strptime(r["Created at"], "%Y-%m-%d %H:%M"),
                 r["Resolution"] == "One-touch") for r in _csv("tickets.csv")]
    got = example.table("Tickets")
    assert rows_of(got, ["ticket_id", "customer_id", "opened_at", "resolved_first_contact"]) == expected
    hours = [float(r["First reply time (hrs)"]) if r["First reply time (hrs)"] else None for r in _csv("tickets.csv")]
    assert [None if pd.isna(h) else h for h in got["first_response_hours"]] == hours


def test_derived_tables_load_through_load_dataset_unchanged(example, tmp_path):
    kpi_core.write_csv_folder(example, tmp_path / "data")
    again = kpi_core.load_dataset(tmp_path / "data")
    for name in example.tables:
        pd.testing.assert_frame_equal(kpi_core.input_table(name, again.table(name)),
                                      kpi_core.input_table(name, example.table(name)), check_dtype=False)


def test_builtin_baremetrics_reads_the_published_template_columns(tmp_path):
    """Baremetrics' template: plan_amount in cents; plan_interval 'month' with count 3 is quarterly."""
    header = ("plan_oid,plan_name,plan_currency,plan_amount,plan_interval,plan_interval_count,customer_oid,"
              "customer_name,customer_email,subscription_oid,subscription_started_at,subscription_canceled_at,"
              "subscription_quantity\n")
    path = write(tmp_path, "export.csv", header
                 + "plan_1,SEO,USD,5000,month,1,customer_1,Allison Barkley,a@b.c,subscription_1,2020-03-31,2020-05-04,1\n"
                 + "plan_2,SEM,USD,30000,month,3,customer_2,Bo,b@b.c,subscription_2,2020-03-15,,2\n")
    ds = apply_mapping("baremetrics", [path])
    subs = ds.table("Subscriptions")
    assert rows_of(subs, ["customer_id", "month", "mrr"]) == [
        ("customer_1", pd.Timestamp("2020-03-01"), 50.0), ("customer_1", pd.Timestamp("2020-04-01"), 50.0),
        ("customer_2", pd.Timestamp("2020-03-01"), 200.0), ("customer_2", pd.Timestamp("2020-04-01"), 200.0),
        ("customer_2", pd.Timestamp("2020-05-01"), 200.0)]  # open: up to the latest date, 2020-05-04
    assert ds.table("Customers")["name"].tolist() == ["Allison Barkley", "Bo"]
    two = write(tmp_path, "two.csv", header + "p,P,USD,100,month,1,c1,A,a,s1,2020-01-01,,1\n"
                + "p,P,EUR,100,month,1,c2,B,b,s2,2020-01-01,,1\n")
    raises(lambda: apply_mapping("baremetrics", [two]), "two.csv, data row 2, column \"plan_currency\"", "EUR",
           "USD", "rates")


# ------------------------------------------------------------------ columns, constants, values
def test_renames_constants_identity_columns_and_value_maps(tmp_path):
    write(tmp_path, "answers.csv", "Account,When,Score,survey\nA1,2026-03-05,9,NPS\nA2,2026-03-06,Oui,CSAT\n"
                                   "A3,2026-03-07,très bien,CSAT\n")
    m = mapping_file(tmp_path, '[Responses]\nfile = "answers.csv"\n'
                               'columns = { customer_id = "Account", date = "When", score = "Score" }\n'
                               'values = { score = { "Très bien" = 5 } }\n')
    got = apply_mapping(m).table("Responses")   # survey: the export's own "survey" column
    assert kpi_core.input_table("Responses", got)["score"].tolist() == [9.0, "yes", 5.0]
    assert got["survey"].tolist() == ["NPS", "CSAT", "CSAT"]
    m = mapping_file(tmp_path, '[Responses]\nfile = "answers.csv"\nconstants = { survey = "NPS" }\n'
                               'columns = { customer_id = "Account", date = "When", score = "Score" }\n'
                               'values = { score = { "oui" = 7, "très bien" = 6 } }\n')
    assert apply_mapping(m).table("Responses")[["survey", "score"]].values.tolist() == [["NPS", 9.0], ["NPS", 7.0],
                                                                                         ["NPS", 6.0]]


def test_status_words_to_booleans_and_a_status_the_map_misses_is_named(tmp_path):
    write(tmp_path, "t.csv", "id,org,created,status\nT1,C1,2026-01-02,solved\nT2,C1,2026-01-03,reopened\n"
                             "T3,C1,2026-01-04,escalated\n")
    text = ('[Tickets]\nfile = "t.csv"\ncolumns = { ticket_id = "id", customer_id = "org", opened_at = "created", '
            'resolved_first_contact = "status" }\nvalues = { resolved_first_contact = { solved = true, '
            'reopened = false } }\n')
    m = mapping_file(tmp_path, text)
    raises(lambda: apply_mapping(m), "t.csv, data row 3, column \"status\"", "'escalated'", "TRUE/FALSE")
    m = mapping_file(tmp_path, text.replace("reopened = false", "reopened = false, escalated = false"))
    assert apply_mapping(m).table("Tickets")["resolved_first_contact"].tolist() == [True, False, False]


def test_customer_name_is_looked_up_in_customers(tmp_path):
    write(tmp_path, "crm.csv", "Id,Company\n1001,Acme\n1002,Globex\n1003,acme \n")
    write(tmp_path, "t.csv", "Ticket,Org,Opened,FCR\nT1,Globex,2026-01-02,yes\nT2,  globex,2026-01-03,no\n")
    text = ('[Customers]\nfile = "crm.csv"\ncolumns = { customer_id = "Id", name = "Company" }\n'
            '[Tickets]\nfile = "t.csv"\ncolumns = { ticket_id = "Ticket", customer_name = "Org", opened_at = "Opened",'
            ' resolved_first_contact = "FCR" }\n')
    assert apply_mapping(mapping_file(tmp_path, text)).table("Tickets")["customer_id"].tolist() == ["1002", "1002"]
    write(tmp_path, "t.csv", "Ticket,Org,Opened,FCR\nT1,Initech,2026-01-02,yes\n")
    raises(lambda: apply_mapping(mapping_file(tmp_path, text)), "t.csv, data row 1, column \"Org\"", "'Initech'",
           "no customer's name")
    write(tmp_path, "t.csv", "Ticket,Org,Opened,FCR\nT1,ACME,2026-01-02,yes\n")
    raises(lambda: apply_mapping(mapping_file(tmp_path, text)), "data row 1, column \"Org\"",
           "name of several customers (1001, 1003)")


def test_customers_repeated_identically_are_one_and_conflicting_ones_are_named(tmp_path):
    write(tmp_path, "b.csv", "cid,cname\nc1,Acme\nc2,Beta\nc1,Acme\nc1,Acme Inc\n")
    m = mapping_file(tmp_path, '[Customers]\nfile = "b.csv"\ncolumns = { customer_id = "cid", name = "cname" }\n')
    raises(lambda: apply_mapping(m), "b.csv, data row 4, column \"cid\"", "duplicate key (customer_id=c1)",
           "first seen at b.csv, data row 1")
    write(tmp_path, "b.csv", "cid,cname\nc1,Acme\nc2,Beta\nc1,Acme\n")
    report: list = []
    assert apply_mapping(m, report=report).table("Customers")["customer_id"].tolist() == ["c1", "c2"]
    assert report[0].notes == ["1 repeated rows of the same customers merged"]


# ------------------------------------------------------------------ dates and numbers
@pytest.mark.parametrize("text, fmt, expected", [
    ("05/03/2026", "day-first", "2026-03-05"), ("05.03.2026 14:30", "day-first", "2026-03-05 14:30"),
    ("03/05/2026", "month-first", "2026-03-05"), ("5 mars 2026", "iso", "2026-03-05"),
    ("1er févr. 2026", "iso", "2026-02-01"), ("March 5, 2026", "day-first", "2026-03-05"),
    ("Thu, 5 Mar 2026 10:30", "iso", "2026-03-05 10:30"), ("05-Mar-2026", "iso", "2026-03-05"),
    ("2026-03-05", "day-first", "2026-03-05"), ("2026-03-05T10:00:00+02:00", "iso", "2026-03-05 10:00"),
    ("05 mars 2026 14h05", "%d %b %Y %Hh%M", "2026-03-05 14:05"), ("2026/03/05", "%Y/%m/%d", "2026-03-05"),
    ("17 août 2026", "iso", "2026-08-17"), ("3 déc. 2025", "iso", "2025-12-03"), ("2 juil. 2026", "iso", "2026-07-02"),
])
def test_dates_as_exports_write_them(text, fmt, expected):
    got = read_dates(pd.Series([text]), fmt, "date", lambda c, i: f"row {i + 1}")
    assert got.iloc[0] == pd.Timestamp(expected)


def test_every_french_month_name_and_abbreviation_of_design_12():
    names = {"janvier": 1, "janv.": 1, "février": 2, "févr.": 2, "mars": 3, "avril": 4, "avr.": 4, "mai": 5,
             "juin": 6, "juillet": 7, "juil.": 7, "août": 8, "septembre": 9, "sept.": 9, "octobre": 10, "oct.": 10,
             "novembre": 11, "nov.": 11, "décembre": 12, "déc.": 12}
    assert {n: month_number(n) for n in names} == names
    assert {n: month_number(n.capitalize()) for n in names} == names


@pytest.mark.parametrize("text, fmt, fragment", [
    ("05/03/2026", "iso", "dates read as YYYY-MM-DD"), ("31/02/2026", "day-first", "no such day"),
    ("5 mars", "day-first", "day-first"), ("05/03/26", "day-first", "day-first"),
    ("lundi", "month-first", "month-first"), ("2026-03-05", "%d.%m.%Y", "format '%d.%m.%Y'"),
])
def test_unreadable_dates_are_named(text, fmt, fragment):
    if text == "2026-03-05":  # ISO reads under every setting
        assert read_dates(pd.Series([text]), fmt, "date", None).iloc[0] == pd.Timestamp(text)
        text = "5/3/2026"
    raises(lambda: read_dates(pd.Series(["2026-01-01", text]), fmt, "date", lambda c, i: f"row {i + 1}"),
           "row 2", repr(text), "not a date", fragment)


@pytest.mark.parametrize("value, expected", [
    ("Jan 2026", "2026-01"), ("janv. 2026", "2026-01"), ("févr. 2026", "2026-02"), ("2026-03", "2026-03"),
    ("March-2026", "2026-03"), ("03/2026", "2026-03"), (dt.datetime(2026, 4, 30), "2026-04"),
    ("2026-05-01", "2026-05"), ("Total", None), ("Client", None), (2026, None), ("13/2026", None),
    ("0000-01", None), ("01/0000", None),  # no year 0 (it used to raise a bare ValueError)
])
def test_header_months(value, expected):
    got = header_month(value)
    assert (got is None and expected is None) or f"{got:%Y-%m}" == expected


@pytest.mark.parametrize("text, decimal, expected", [
    ("1 234,56", ",", 1234.56), ("1.234,56", ",", 1234.56), ("1\u00a0234,5", ",", 1234.5), ("-0,5", ",", -0.5),
    (",5", ",", 0.5), ("1,234.56", ".", 1234.56), ("1'234.5", ".", 1234.5), ("42", ".", 42.0),
])
def test_numbers_with_a_decimal_comma_or_point(text, decimal, expected):
    assert read_numbers(pd.Series([text]), decimal, "amount", None).iloc[0] == pytest.approx(expected)


@pytest.mark.parametrize("text, decimal", [("1.5", ","), ("1,5", "."), ("12 €", "."), ("1,23,4", ".")])
def test_ambiguous_or_unreadable_numbers_are_named(text, decimal):
    raises(lambda: read_numbers(pd.Series(["1", text]), decimal, "amount", lambda c, i: f"row {i + 1}"),
           "row 2", repr(text), "not a number")


def test_semicolon_export_reads_day_first_with_decimal_commas_and_cents_scale(tmp_path):
    write(tmp_path, "orders.csv", "N°;Client;Date;Montant\nO1;C1;05/03/2026;1 234,50\nO2;C1;6 mars 2026;99\n",
          encoding="cp1252")
    m = mapping_file(tmp_path, '[Orders]\nfile = "orders.csv"\nscale = { amount = 0.01 }\n'
                               'columns = { order_id = "N°", customer_id = "Client", date = "Date", amount = "Montant" }\n')
    got = apply_mapping(m).table("Orders")
    assert got["date"].tolist() == [pd.Timestamp("2026-03-05"), pd.Timestamp("2026-03-06")]
    assert got["amount"].tolist() == pytest.approx([12.345, 0.99])
    m = mapping_file(tmp_path, '[Orders]\nfile = "orders.csv"\ndates = "month-first"\n'
                               'columns = { order_id = "N°", customer_id = "Client", date = "Date", amount = "Montant" }\n')
    assert apply_mapping(m).table("Orders")["date"].iloc[0] == pd.Timestamp("2026-05-03")


# ------------------------------------------------------------------ unpivot and months sheets
def test_unpivot_one_row_per_answered_question_and_a_bad_score_names_its_question(tmp_path):
    write(tmp_path, "s.csv", "who,when,Q1,Q2\nA,2026-01-05,9,4\nB,2026-01-06,,5\nC,2026-01-07,3,\n")
    text = ('[Responses]\nfile = "s.csv"\ncolumns = { customer_id = "who", date = "when" }\n'
            'unpivot = { Q1 = "nps", Q2 = "CSAT" }\n')
    got = apply_mapping(mapping_file(tmp_path, text)).table("Responses")
    assert rows_of(got, ["customer_id", "survey", "score"]) == [("A", "NPS", 9.0), ("A", "CSAT", 4.0),
                                                                 ("B", "CSAT", 5.0), ("C", "NPS", 3.0)]
    write(tmp_path, "s.csv", "who,when,Q1,Q2\nA,2026-01-05,9,4\nB,2026-01-06,11,5\n")
    raises(lambda: apply_mapping(mapping_file(tmp_path, text)), "s.csv, data row 2, column \"Q1\"",
           "11 is not a valid NPS score", kind="num")


def test_months_sheet_unpivoted_empty_and_zero_skipped_repeated_customer_summed(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "MRR"
    ws.append(["Client", "Segment", "Jan 2026", "févr. 2026", dt.datetime(2026, 3, 1), "Total"])  # an Excel date
    ws.append(["A", "SMB", 100, 100, "120,5", 320.5])
    ws.append(["B", "ETI", None, 0, 50, 50])
    ws.append([None, None, None, None, None, None])
    ws.append(["A", "SMB", 10, None, None, 10])
    wb.save(tmp_path / "finance.xlsx")
    m = mapping_file(tmp_path, '[Subscriptions]\nfile = "finance.xlsx"\nsheet = "MRR"\nfrom = "months"\n'
                               'decimal = ","\ncolumns = { customer_id = "Client" }\n')
    report: list = []
    got = apply_mapping(m, report=report).table("Subscriptions")
    assert rows_of(got, ["customer_id", "month", "mrr"]) == [
        ("A", pd.Timestamp("2026-01-01"), 110.0), ("A", pd.Timestamp("2026-02-01"), 100.0),
        ("A", pd.Timestamp("2026-03-01"), 120.5), ("B", pd.Timestamp("2026-03-01"), 50.0)]
    assert "3 month columns (2026-01 .. 2026-03)" in report[0].notes[0] and "1 customer-months" in report[0].notes[1]
    ws["D3"] = -5
    wb.save(tmp_path / "finance.xlsx")
    raises(lambda: apply_mapping(m), "finance.xlsx, sheet 'MRR', cell D3 (column \"févr. 2026\", data row 2)",
           "below the minimum 0", kind="num")


def test_months_sheet_without_month_headers_lists_its_columns(tmp_path):
    write(tmp_path, "f.csv", "Client,Total\nA,5\n")
    m = mapping_file(tmp_path, '[Subscriptions]\nfile = "f.csv"\nfrom = "months"\ncolumns = { customer_id = "Client" }\n')
    raises(lambda: apply_mapping(m), "[Subscriptions]", "no column header of f.csv reads as a month", "'Total'")


@pytest.mark.parametrize("header", ["2300-01", "Jan 1850"])
def test_a_month_header_outside_1900_to_2199_is_named(tmp_path, header):
    write(tmp_path, "f.csv", f"Client,2026-01,{header}\nA,5,6\n")
    m = mapping_file(tmp_path, '[Subscriptions]\nfile = "f.csv"\nfrom = "months"\ncolumns = { customer_id = "Client" }\n')
    raises(lambda: apply_mapping(m), "[Subscriptions]", f'the column "{header}" of f.csv', "outside the years 1900 to 2199")


@pytest.mark.parametrize("setting", ['"\\t"', '"\\\\t"', '"tab"'])
def test_a_tab_delimiter_as_the_template_documents_it(tmp_path, setting):
    # the TOML string "\t" is a tab: it used to be refused as blank text
    write(tmp_path, "c.csv", "id\tname\nc1\tAcme\nc2\tZeta\n")
    m = mapping_file(tmp_path, f'[Customers]\nfile = "c.csv"\ndelimiter = {setting}\ncolumns = {{ customer_id = "id" }}\n')
    assert apply_mapping(m).table("Customers")["name"].tolist() == ["Acme", "Zeta"]


def test_invoice_lines_through_a_mapping_with_currencies(tmp_path):
    write(tmp_path, "lines.csv", "cust,total,vat,from,to,kind,cur\nc1,120,20,2026-01-01,2026-02-01,subscription,EUR\n"
                                 "c1,50,0,,,one_time,EUR\nc2,110,0,2026-01-10,2026-04-10,subscription,usd\n")
    text = ('[Subscriptions]\nfile = "lines.csv"\nfrom = "invoices"\n'
            'columns = { customer_id = "cust", amount = "total", tax = "vat", service_start = "from", '
            'service_end = "to", type = "kind" }\n'
            '[Currency]\ncolumn = "cur"\nrates = { EUR = 1.0, USD = 0.9 }\n')
    report: list = []
    got = apply_mapping(mapping_file(tmp_path, text), report=report).table("Subscriptions")
    assert rows_of(got, ["customer_id", "month", "mrr"]) == [
        ("c1", pd.Timestamp("2026-01-01"), 100.0), ("c2", pd.Timestamp("2026-01-01"), pytest.approx(33.0)),
        ("c2", pd.Timestamp("2026-02-01"), pytest.approx(33.0)), ("c2", pd.Timestamp("2026-03-01"),
                                                                  pytest.approx(33.0))]
    assert "1 one-time lines left out" in report[0].notes
    m = mapping_file(tmp_path, text.replace("USD = 0.9", "GBP = 1.1"))
    raises(lambda: apply_mapping(m), "lines.csv, data row 3, column \"cur\"", "'USD', which has no rate", "EUR, GBP")


# ------------------------------------------------------------------ sources and DATA
def test_mapped_tables_merge_with_data_and_replace_the_same_table(tmp_path):
    kpi_core.write_csv_folder(kpi_core.sample_dataset(n_customers=5), tmp_path / "data")
    ids = kpi_core.load_dataset(tmp_path / "data").table("Customers")["customer_id"].tolist()
    write(tmp_path, "subs.csv", f"who,amount,interval,start\n{ids[0]},100,month,2026-01-01\n")
    m = mapping_file(tmp_path, '[Subscriptions]\nfile = "subs.csv"\nfrom = "subscriptions"\nuntil = "2026-02"\n'
                               'columns = { customer_id = "who", started_at = "start" }\n')
    ds = apply_mapping(m, data=tmp_path / "data")
    assert set(ds.tables) == set(kpi_core.TABLES)
    assert rows_of(ds.table("Subscriptions"), ["customer_id", "mrr"]) == [(ids[0], 100.0), (ids[0], 100.0)]
    write(tmp_path, "subs.csv", "who,amount,interval,start\nZZ9,100,month,2026-01-01\n")
    raises(lambda: apply_mapping(m, data=tmp_path / "data"), "subs.csv, data row 1, column \"who\"",
           "customer 'ZZ9' is not in the Customers table")


def test_command_line_sources_fill_sections_without_file(tmp_path):
    a = write(tmp_path, "a.csv", "customer_id,name\nc1,A\n")
    b = write(tmp_path, "b.csv", "customer_id,month,mrr\nc1,2026-01,5\n")
    m = mapping_file(tmp_path, "[Customers]\n[Subscriptions]\n")
    ds = apply_mapping(m, [a, b])
    assert len(ds.table("Customers")) == 1 and len(ds.table("Subscriptions")) == 1
    raises(lambda: apply_mapping(m), "[Customers]", "no file to read")
    raises(lambda: apply_mapping(m, [a, b, a]), "3 exports given for 2 section(s)")
    named = mapping_file(tmp_path, '[Customers]\nfile = "a.csv"\n')
    assert len(apply_mapping(named, [a]).table("Customers")) == 1  # a SOURCE the mapping names is accepted
    raises(lambda: apply_mapping(named, [b]), "every section names its file", "b.csv")


def test_missing_file_column_or_sheet_says_which_and_lists_what_there_is(tmp_path):
    write(tmp_path, "b.csv", "customer_oid,plan_amount\nc1,5\n")
    m = mapping_file(tmp_path, '[Customers]\nfile = "missing.csv"\n')
    raises(lambda: apply_mapping(m), "mapping.toml, [Customers]", "missing.csv does not exist",
           "relative to the mapping file")
    m = mapping_file(tmp_path, '[Customers]\nfile = "b.csv"\ncolumns = { customer_id = "Customer_OID" }\n')
    raises(lambda: apply_mapping(m), "mapping.toml, [Customers]", "b.csv has no column \"Customer_OID\"",
           "did you mean \"customer_oid\"", "'customer_oid', 'plan_amount'")
    m = mapping_file(tmp_path, '[Customers]\nfile = "b.csv"\n')
    raises(lambda: apply_mapping(m), "nothing gives customer_id", "'customer_oid', 'plan_amount'")
    wb = openpyxl.Workbook()
    wb.active.title = "Export"
    wb.save(tmp_path / "x.xlsx")
    m = mapping_file(tmp_path, '[Customers]\nfile = "x.xlsx"\nsheet = "Exports"\n')
    raises(lambda: apply_mapping(m), "x.xlsx", "no sheet 'Exports'", "its sheets: 'Export'")


# ------------------------------------------------------------------ the mapping itself
@pytest.mark.parametrize("text, fragments", [
    ('[Subscription]\n', ["unknown section [Subscription]", "did you mean [Subscriptions]?"]),
    ('[Customers]\ncolums = {}\n', ["[Customers]", "unknown setting 'colums'", "did you mean columns?"]),
    ('[Customers]\ncolumns = { custmer_id = "x" }\n', ["columns.custmer_id", "no field 'custmer_id'",
                                                       "did you mean customer_id?"]),
    ('[Customers]\nfrom = "invoices"\n', ["makes Subscriptions only"]),
    ('[Subscriptions]\nfrom = "invoice"\n', ["from = 'invoice'", "rows, subscriptions, invoices, months"]),
    ('[Responses]\ndates = "dmy"\n', ["dates = 'dmy' is not a date setting"]),
    ('[Responses]\ndates = "%d/%Q/%Y"\n', ["dates = '%d/%Q/%Y' is not a date format", "bad directive"]),
    ('[Responses]\ndates = "%"\n', ["dates = '%' is not a date format"]),
    ('[Customers]\nconstants = { segment = { x = 1 } }\n', ["constants.segment must be text, a number",
                                                             "found {'x': 1}"]),
    ('[Customers]\nvalues = { name = { a = [1, 2] } }\n', ["values.name.a must be text, a number", "[1, 2]"]),
    ('[Responses]\ndecimal = ";"\n', ["decimal = ';'"]),
    ('[Responses]\nconstants = { survey = "NPS" }\ncolumns = { survey = "S" }\n', ["survey is both"]),
    ('[Customers]\nunpivot = { Q = "NPS" }\n', ["unpivot makes Responses rows"]),
    ('[Responses]\nunpivot = { Q = "eNPS" }\n', ["expected NPS, CSAT or CES"]),
    ('[Subscriptions]\nfrom = "months"\n', ["needs the customer column"]),
    ('[Subscriptions]\nfrom = "rows"\nuntil = "2026-10"\n', ["until applies to"]),
    ('[Subscriptions]\nfrom = "subscriptions"\nuntil = "soon"\n', ["until = 'soon' is not a month"]),
    ('[Orders]\nscale = { order_id = 2 }\n', ["scale.order_id: order_id is not a number field"]),
    ('[Orders]\nscale = { amount = -1 }\n', ["scale.amount must be a number above 0"]),
    ('[Currency]\nrates = { EUR = "x" }\n[Orders]\n', ["rates.EUR must be a number"]),
    ('[Customers\n', ["not a valid TOML file", "line 1"]),
    ('', ["the mapping has no table section"]),
])
def test_a_wrong_mapping_is_named(tmp_path, text, fragments):
    m = mapping_file(tmp_path, text)
    raises(lambda: load_mapping(m), "mapping.toml", *fragments)


def test_load_mapping_errors_and_builtins(tmp_path):
    raises(lambda: load_mapping(tmp_path / "nope.toml"), "no such mapping file", "built-in mapping: baremetrics")
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "book.xlsx")
    raises(lambda: load_mapping(tmp_path / "book.xlsx"), "book.xlsx", "no Excel table named Mapping")
    assert load_mapping("baremetrics").sections["Subscriptions"].columns["started_at"] == "subscription_started_at"


def test_mapping_table_rows_and_toml_give_the_same_mapping():
    from kpi_core.mapping.spec import read_toml

    data = read_toml(EXAMPLES_DIR / "mapping.toml")
    from_toml = mapping_from_dict(data, "m")
    from_rows = mapping_from_rows(rows_from_dict(data), lambda c, i: f"row {i + 2}", "m")
    for table, sec in from_toml.sections.items():
        other = from_rows.sections[table]
        for setting in ("file", "sheet", "kind", "columns", "constants", "values", "unpivot", "dates", "scale",
                        "until"):
            assert getattr(other, setting) == getattr(sec, setting), (table, setting)


def test_a_bad_mapping_row_names_its_cell():
    rows = pd.DataFrame([["Customers", "columns", None, "Id"]], columns=["table", "setting", "key", "value"])
    raises(lambda: mapping_from_rows(rows, lambda c, i: f"'Mapping'!{c}{i + 2}", "b"), "'Mapping'!key2",
           "needs a key")
    rows = pd.DataFrame([["Customers", "columns", "custid", "Id"]], columns=["table", "setting", "key", "value"])
    raises(lambda: mapping_from_rows(rows, lambda c, i: f"'Mapping'!{c}{i + 2}", "b"), "'Mapping'!value2",
           "no field 'custid'")


def test_mapping_problems_lists_every_problem_of_the_mapped_tables(tmp_path):
    write(tmp_path, "s.csv", "who,when,Q1\nA,2026-01-05,11\nB,,3\n")
    m = mapping_file(tmp_path, '[Responses]\nfile = "s.csv"\ncolumns = { customer_id = "who", date = "when" }\n'
                               'unpivot = { Q1 = "NPS" }\n')
    problems = [str(p) for p in mapping_problems(m)]
    assert len(problems) == 2
    assert any("data row 2, column \"when\"" in p and "is blank" in p for p in problems)
    assert any("data row 1, column \"Q1\"" in p and "11 is not a valid NPS score" in p for p in problems)
    assert mapping_problems(EXAMPLES_DIR / "mapping.toml") == []


def test_readme_shows_the_example_mapping_whole():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Your own data: from exports to the dashboard", 1)[1]
    block = section.split("```toml\n", 1)[1].split("```", 1)[0]
    assert block == (EXAMPLES_DIR / "mapping.toml").read_text(encoding="utf-8")
