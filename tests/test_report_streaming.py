"""Reports are streamed into staged files: all formats or none, never a whole file in memory."""
import contextlib
import inspect
import io
import json

import pytest

import auditor.report.html_data as html_data
import auditor.report.json_report as json_report
from auditor.model.access import ActionAccess, Reach, ServiceAccess, access_overview
from auditor.report import FORMATTERS, MemoryFiles, render_reports, write_reports
from auditor.report.jsonfmt import BATCH, Records, compact, dumps
from auditor.report.records import ReportData
from test_report_factory import ROLE_ARN, USER_ARN, make_principal, make_result, many_findings, sample_findings

ALL_FILES = ["findings.csv", "findings.html", "findings.json", "findings.sarif", "principals.csv"]


def _failing_after(calls: int, real):
    """`real`, raising on call `calls + 1`; a generator function keeps yielding until then."""
    seen = []

    def tick():
        seen.append(1)
        if len(seen) > calls:
            raise RuntimeError("formatter broke mid-file")

    def fail(*args, **kwargs):
        tick()
        return real(*args, **kwargs)

    def fail_lines(*args, **kwargs):
        for line in real(*args, **kwargs):
            tick()
            yield line

    return fail_lines if inspect.isgeneratorfunction(real) else fail


@pytest.mark.parametrize("module, name", [(json_report, "finding_lines"), (html_data.PageRows, "principal")])
def test_a_format_failing_mid_file_leaves_the_old_reports_and_nothing_else(tmp_path, monkeypatch, module, name):
    result = make_result(many_findings(BATCH * 3), principals=[make_principal(USER_ARN), make_principal(ROLE_ARN)])
    old = {p.name: p.read_bytes() for p in write_reports(make_result(sample_findings()), tmp_path, list(FORMATTERS))}
    monkeypatch.setattr(module, name, _failing_after(BATCH + 1 if name == "finding_lines" else 1,
                                                     getattr(module, name)))
    with pytest.raises(RuntimeError, match="mid-file"):
        write_reports(result, tmp_path, ["csv", "json", "html", "sarif"])  # csv is staged whole before the failure
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == old  # no temp or scratch file left either


class _RecordingFiles(MemoryFiles):
    """Memory files that note the size of every write."""

    def __init__(self):
        super().__init__()
        self.writes: dict[str, list[int]] = {}

    @contextlib.contextmanager
    def open(self, name):
        sizes = self.writes.setdefault(name, [])
        with super().open(name) as text:
            real = text.write
            text.write = lambda s: (sizes.append(len(s)), real(s))[1]
            yield text


def test_every_file_is_written_in_pieces_far_smaller_than_the_file(monkeypatch):
    monkeypatch.setattr(html_data, "COPY_CHUNK", 1 << 16)  # spilled rows come back in pieces this large
    files = _RecordingFiles()
    data = ReportData(make_result(many_findings(4000), principals=[make_principal()]))
    for fmt in FORMATTERS.values():
        fmt.write(data, files)
    assert sorted(files.contents) == ALL_FILES
    for name in ("findings.csv", "findings.html", "findings.json", "findings.sarif"):
        total, largest = len(files.contents[name]), max(files.writes[name])
        assert largest < total / 4, f"{name}: a write of {largest:,} characters for {total:,} bytes"


def test_written_files_equal_the_in_memory_rendering(tmp_path):
    result = make_result(many_findings(BATCH + 7), principals=[make_principal(USER_ARN), make_principal(ROLE_ARN)])
    written = {p.name: p.read_bytes() for p in write_reports(result, tmp_path, list(FORMATTERS))}
    assert written == render_reports(result, list(FORMATTERS))
    assert sorted(written) == ALL_FILES


@pytest.mark.parametrize("n", [0, 1, BATCH, BATCH + 1, 2 * BATCH + 3])
def test_streamed_records_are_laid_out_like_a_record_list(n):
    items = [{"i": i, "text": "é<&>"} for i in range(n)]
    doc = {"head": {"a": [1, 2]}, "findings": items, "tail": [{"x": 1}]}
    text = dumps({**doc, "findings": Records(map(compact, items))}, {"findings"})
    assert text == dumps(doc, {"findings"})
    assert json.loads(text) == doc


def test_page_data_rows_across_batches_point_at_their_strings():
    findings = many_findings(2 * html_data.BATCH + 5)
    data = html_data.page_data(make_result(findings, principals=[make_principal()]))
    column = html_data.FINDING_COLUMNS.index
    rows = data["findings"]
    assert len(rows) == len(findings)
    by_fingerprint = {f.fingerprint: f for f in findings}
    for row in rows:
        f = by_fingerprint[row[column("fingerprint")]]
        assert data["strings"][row[column("principal_arn")]] == f.principal_arn
        assert [data["strings"][i] for i in row[column("actions")]] == list(f.actions)
        assert row[column("message")] == f.message


def test_the_streamed_data_block_is_the_escaped_json_of_page_data():
    from test_report_factory import hostile_result

    result = hostile_result()
    out = io.StringIO()
    html_data.write_page_data(ReportData(result), out, MemoryFiles().scratch)
    assert out.getvalue() == html_data.embed_json(html_data.page_data(result))


def _action(name, level, reach, resources=(), conditional=False):
    return ActionAccess(f"ses:{name}", level, reach, resources, conditional)


def test_access_overview_counts_reached_actions_per_level():
    service = ServiceAccess("ses", (
        _action("ListIdentities", "List", Reach.ALL),
        _action("SendEmail", "Write", Reach.SOME, ("arn:a", "arn:b"), conditional=True),
        _action("DeleteIdentity", "Write", Reach.SOME, ("arn:b",)),
        _action("PutIdentityPolicy", "Permissions management", Reach.NONE),
    ))
    facts = access_overview(service)
    assert (facts.top_level, facts.summary) == ("Write", "Write (2 resources, 1 only-if)")
    assert [(c.level, c.actions, c.all, c.only_if) for c in facts.levels] == [("List", 1, 1, 0), ("Write", 2, 0, 1)]
    assert (service.top_level, service.summary) == ("Write", "Write (2 resources, 1 only-if)")


def test_access_overview_of_nothing_reached_and_of_a_recorded_summary():
    assert access_overview(ServiceAccess("ses", (_action("SendEmail", "Write", Reach.NONE),))).summary == "none"
    recorded = ServiceAccess("ses", (), recorded_summary="Read (all resources)", recorded_top_level="Read")
    assert (recorded.summary, recorded.top_level, access_overview(recorded).levels) == (
        "Read (all resources)", "Read", ())
    one = ServiceAccess("ses", (_action("GetAccount", "Read", Reach.SOME, ("arn:a",)),))
    assert one.summary == "Read (1 resource)"


def test_unreached_actions_do_not_count_towards_the_summary():
    service = ServiceAccess("ses", (
        _action("SendEmail", "Write", Reach.SOME, ("arn:a",)),
        _action("SendBounce", "Write", Reach.NONE, ("arn:b", "arn:c"), conditional=True),
    ))
    assert service.summary == "Write (1 resource)"
    assert [(c.level, c.actions, c.all, c.only_if) for c in access_overview(service).levels] == [("Write", 1, 0, 0)]


def test_reports_read_the_block_facts_a_scan_derived_ahead(tmp_path, monkeypatch):
    # A forked scan fills BlockFacts while its checks run (warm_up); both report processes inherit
    # them. Written from warmed facts, the reports are the same bytes and derive no overview again.
    import auditor.report.records as records
    from auditor.report import BlockFacts, warm_up

    result = make_result(sample_findings(), principals=[make_principal(USER_ARN), make_principal(ROLE_ARN)])
    formats = ["html", "csv", "json"]
    expected = render_reports(result, formats)
    blocks = BlockFacts()
    warm_up(formats, fork=True, blocks=blocks, principals=result.principals)

    def derived_again(service):
        raise AssertionError(f"overview of {service.service} derived again")

    monkeypatch.setattr(records, "access_overview", derived_again)
    written = write_reports(result, tmp_path, formats, blocks=blocks)
    assert {p.name: p.read_bytes() for p in written} == expected
    warm_up(["sarif"], blocks=(unused := BlockFacts()), principals=result.principals)
    assert not unused._overviews  # SARIF shows no access: nothing derived for it
