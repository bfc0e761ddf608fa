"""Assertions shared by the test modules."""

from kpi_core import KpiInputError


def assert_error(excinfo, kind, *fragments):
    """The raised error is a KpiInputError of `kind` whose message holds every fragment."""
    err = excinfo.value
    assert isinstance(err, KpiInputError)
    assert err.kind == kind, f"kind {err.kind!r} != {kind!r}: {err}"
    for fragment in fragments:
        assert fragment in str(err), f"{fragment!r} not in message {str(err)!r}"
