import csv
import io
import random

import pandas as pd

from auditor.model.finding import CSV_FIELDS, Status
from auditor.report import render_reports
from auditor.report.csv_report import PRINCIPAL_FIELDS, neutralise, quote
from test_report_factory import ROLE_ARN, USER_ARN, make_principal, make_result, sample_findings


def _csv(result, name="findings.csv") -> bytes:
    return render_reports(result, ["csv"])[name]


def test_header_is_always_there_even_with_no_findings():
    data = _csv(make_result([]))
    assert data == (",".join(CSV_FIELDS) + "\r\n").encode()
    frame = pd.read_csv(io.BytesIO(data))
    assert list(frame.columns) == list(CSV_FIELDS) and len(frame) == 0
    principals = _csv(make_result([]), "principals.csv")
    assert principals == (",".join(PRINCIPAL_FIELDS) + "\r\n").encode()


def test_round_trip_through_pandas_and_the_csv_module():
    findings = sample_findings()
    data = _csv(make_result(findings))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    assert len(rows) == len(frame) == len(findings)
    assert list(frame.columns) == list(CSV_FIELDS)
    by_check = {(r["check_id"], r["severity"]): r for r in rows}
    ses = by_check[("TST002", "medium")]
    assert ses["actions"] == "ses:SendEmail; ses:SendRawEmail"
    assert ses["policy_type"] == "inline" and ses["status"] == "new" and ses["statement_index"] == "0"
    info = by_check[("TST002", "info")]
    assert info["message"] == 'naïve – ünïcödé, with "quotes", commas\r\nand newlines'
    low = by_check[("TST003", "low")]
    assert low["statement_index"] == ""  # None is an empty cell
    assert frame.to_dict("records") == rows


def test_formula_cells_are_neutralised():
    rows = list(csv.DictReader(io.StringIO(_csv(make_result(sample_findings())).decode(), newline="")))
    low = next(r for r in rows if r["check_id"] == "TST003")
    assert low["message"] == "'=HYPERLINK(\"http://x\")"
    assert low["policy_name"] == "'-leading-dash"
    assert low["actions"] == "'@sum;  +1; ok"  # the joined cell starts with @
    for text in ("=1+1", "+1", "-1", "@x", "\tx", "\rx", "  =x", " \t@x"):
        assert neutralise(text) == "'" + text
    for text in ("", "plain", "a=b", "arn:aws:iam::111122223333:user/x", "1-2"):
        assert neutralise(text) == text


def test_rfc4180_line_endings_and_quoting():
    data = _csv(make_result(sample_findings())).decode("utf-8")
    assert data.endswith("\r\n")
    assert data.count("\r\n") == 1 + len(sample_findings()) + 1  # header, rows, one embedded CRLF
    assert '"naïve – ünïcödé, with ""quotes"", commas\r\nand newlines"' in data


def test_output_is_byte_identical_and_sorted():
    findings = sample_findings()
    a = _csv(make_result(findings))
    b = _csv(make_result(list(reversed(findings))))
    assert a == b
    rows = list(csv.DictReader(io.StringIO(a.decode(), newline="")))
    assert [r["severity"] for r in rows] == ["critical", "medium", "low", "info"]


def test_principals_csv_has_access_and_open_finding_counts():
    findings = sample_findings()
    findings.append(findings[0].replace(fingerprint="f" * 24, status=Status.SUPPRESSED))
    result = make_result(findings, principals=[make_principal(ROLE_ARN, level="Read"), make_principal()])
    rows = list(csv.DictReader(io.StringIO(_csv(result, "principals.csv").decode(), newline="")))
    assert [r["principal_arn"] for r in rows] == sorted([ROLE_ARN, USER_ARN])
    user = next(r for r in rows if r["principal_arn"] == USER_ARN)
    assert user["pinpoint"] == "Write (all resources, 1 only-if)"
    assert user["sms_voice"] == "none" and user["ses"] == "none"
    assert user["nearest_archetype"] == "project-readonly"
    assert user["excess"] == "mobiletargeting:DeleteApp"
    # TST001 (critical) and TST003 (low) name the user; the suppressed copy is not counted.
    assert (user["critical"], user["high"], user["low"], user["info"]) == ("1", "0", "1", "0")
    role = next(r for r in rows if r["principal_arn"] == ROLE_ARN)
    assert role["pinpoint"] == "Read (all resources, 1 only-if)" and role["medium"] == "1"


def _lines(header, rows) -> str:
    from auditor.report.csv_report import write_lines

    out = io.StringIO(newline="")
    write_lines(out, header, (",".join(map(quote, row)) + "\r\n" for row in rows))
    return out.getvalue()


def test_the_lines_are_the_bytes_pandas_to_csv_wrote():
    """The reports once went through DataFrame.to_csv; the lines made here must keep every byte."""
    header = ["a", "b", "c", "d"]
    rows = [
        ["plain", "", "with, comma", 'with "quotes"'],
        ["line\r\nbreak", "lone\rcr", "lone\nlf", "'=1+2"],
        ["naïve – ünïcödé", " leading space", "trailing space ", "tab\tinside"],
        ["", "", "", ""],
        ['"', '""', ",", "\u2028\x0b\x0c\x1c\x85"],
    ]
    expected = io.StringIO()
    pd.DataFrame(rows, columns=header, dtype=object).to_csv(
        expected, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL, doublequote=True,
        quotechar='"', sep=",")
    assert _lines(header, rows) == expected.getvalue()


def test_the_lines_are_what_the_csv_module_writes_for_any_text():
    rng = random.Random(7)
    alphabet = 'ab ,"\r\n\t=+-@\'é\u2028;'
    rows = [["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 8))) for _ in range(3)]
            for _ in range(2000)]
    expected = io.StringIO(newline="")
    writer = csv.writer(expected, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["x", "y", "z"])
    writer.writerows(rows)
    assert _lines(["x", "y", "z"], rows) == expected.getvalue()
