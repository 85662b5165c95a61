"""The moderators' dashboard and the audit log: who did what, when and why."""

from __future__ import annotations

from flask import render_template, request

from benefit.moderation import bp, queries
from benefit.web import id_arg, page_arg


@bp.route("/moderation/")
def index() -> str:
    return render_template(
        "moderation/index.html", counts=queries.dashboard_counts(), recent=queries.recent_audit()
    )


@bp.route("/moderation/audit")
def audit_log() -> str:
    filters = queries.AuditFilter(
        action=request.args.get("action", "").strip(),
        actor=request.args.get("actor", "").strip().lower(),
        target_kind=request.args.get("target_kind", "").strip(),
        target_id=id_arg("target_id"),
    )
    found = queries.audit_log(filters, page_arg())
    return render_template("moderation/audit_log.html", found=found, filters=filters)
