"""Moderation: approving and rejecting innovations, with an audit trail.

Nothing is ever deleted by moderation: a rejected innovation keeps its row and
its history, it just leaves the public pages and the tally.
"""

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from core.caching import mark_changed

from . import notifications
from .counts import counted, counted_rows, counts_apply
from .models import Innovation, RejectionReason

CHANGE_REASONS = {
    Innovation.Status.APPROVED: "Approved",
    Innovation.Status.REJECTED: "Rejected",
    Innovation.Status.PENDING: "Returned to the queue",
}


@transaction.atomic
def innovation_moderate(
    *,
    innovations,
    status: str,
    user,
    reason: RejectionReason | None = None,
    note: str = "",
) -> int:
    """Set `status` on every innovation in the queryset that does not have it yet.

    Records who and when on the row (`moderated_by`, `moderated_at`) and in the
    history ("pending → approved", by whom, when). Returns how many changed;
    the ones already in that status, and the ones their sender withdrew, are left
    untouched, history included. A rejection carries `reason` and `note` (sent to
    the sender). Each sender hears of the outcome by email within a minute.
    """
    status = Innovation.Status(status)
    if status == Innovation.Status.WITHDRAWN:
        raise ValueError("Only the sender can withdraw an innovation.")
    now = timezone.now()
    changing = list(
        # Only the innovations' rows are locked: the admin's queryset may join the
        # (nullable) rejection reason, which PostgreSQL cannot lock.
        innovations.select_related(None)
        .select_for_update(of=("self",))
        .exclude(status=status)
        .exclude(status=Innovation.Status.WITHDRAWN)
        .order_by("pk")
    )
    before = [counted(innovation) for innovation in changing]
    rejecting = status == Innovation.Status.REJECTED
    for innovation in changing:
        innovation.status = status
        innovation.moderated_at = now
        innovation.moderated_by = user
        innovation.rejection_reason = reason if rejecting else None
        innovation.rejection_note = note.strip() if rejecting else ""
        innovation.outcome_emailed_at = None
    if changing:
        bulk_update_with_history(
            changing,
            Innovation,
            [
                "status",
                "moderated_at",
                "moderated_by",
                "rejection_reason",
                "rejection_note",
                "outcome_emailed_at",
            ],
            default_user=user,
            default_change_reason=CHANGE_REASONS[status],
            default_date=now,
        )
        counts_apply(added=changing, removed=before)
        campaign_ids = {innovation.campaign_id for innovation in changing}
        transaction.on_commit(lambda: mark_changed(*sorted(campaign_ids)), robust=True)
        notifications.outcomes_schedule(
            submission_ids=[innovation.submission_id for innovation in changing]
        )
    return len(changing)


@transaction.atomic
def innovation_edit(*, innovation: Innovation, changed: list[str], user) -> Innovation:
    """Save an organiser's edit of one innovation (admin); a new status is a moderation.

    Fields other than the status are saved with the history reason "Edited by an
    organiser"; a changed status goes through `innovation_moderate`, so it is stamped
    and recorded like every other approval or rejection.
    """
    new_status = innovation.status
    reason, note = innovation.rejection_reason, innovation.rejection_note
    edited = set(changed) - {"status"}
    if "status" in changed:
        # The status, and the reason for a rejection, are recorded by the moderation.
        innovation.status, innovation.rejection_reason_id, innovation.rejection_note = (
            Innovation.objects.values_list("status", "rejection_reason", "rejection_note").get(
                pk=innovation.pk
            )
        )
        edited -= {"rejection_reason", "rejection_note"}
    if edited:
        innovation._change_reason = "Edited by an organiser"
        innovation.save()
    if "status" in changed:
        innovation_moderate(
            innovations=Innovation.objects.filter(pk=innovation.pk),
            status=new_status,
            user=user,
            reason=reason,
            note=note,
        )
        innovation.refresh_from_db()
    campaign_id = innovation.campaign_id
    transaction.on_commit(lambda: mark_changed(campaign_id), robust=True)
    return innovation


@transaction.atomic
def innovation_delete(*, innovations) -> int:
    """Delete innovations (a queryset) for good; how many went."""
    campaign_ids = sorted(set(innovations.values_list("campaign_id", flat=True)))
    # Locked by primary key: the admin's queryset may be DISTINCT, which FOR UPDATE refuses.
    going = Innovation.objects.filter(pk__in=innovations.values("pk")).select_for_update()
    counts_apply(removed=counted_rows(going))
    deleted, _ = innovations.delete()
    transaction.on_commit(lambda: mark_changed(*campaign_ids), robust=True)
    return deleted
