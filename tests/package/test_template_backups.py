"""Backups in the template: point-in-time recovery on the table, the daily export function with access to the
backups/ prefix only, and exports expiring after BackupRetentionDays."""
from tests.package.test_template import load_template


def test_the_table_has_point_in_time_recovery():
    table = load_template()["Resources"]["Table"]["Properties"]
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_exports_expire_after_the_retention_setting():
    template = load_template()
    rules = template["Resources"]["Bucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    rule = next(r for r in rules if r["Id"] == "expire-backups")
    assert rule["Prefix"] == "backups/" and rule["ExpirationInDays"] == {"Ref": "BackupRetentionDays"}
    assert template["Parameters"]["BackupRetentionDays"]["MinValue"] >= 1


def test_the_export_function_writes_only_under_backups():
    resources = load_template()["Resources"]
    statements = resources["BackupExportAccess"]["Properties"]["PolicyDocument"]["Statement"]
    writes = [s for s in statements
              if any(a.startswith("s3:") for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]]))]
    assert [s["Resource"] for s in writes] == [{"Sub": "${Bucket.Arn}/backups/*"}]
    assert resources["BackupExport"]["Properties"]["Environment"]["Variables"]["WXBASE_BUCKET"] == {"Ref": "Bucket"}


def test_the_export_runs_daily():
    import app

    schedules = {source.name: source.schedule_expression for source in app.app.event_sources
                 if hasattr(source, "schedule_expression")}
    assert schedules["backup_export"].to_string() == "rate(1 day)"
