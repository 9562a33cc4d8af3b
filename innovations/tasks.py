"""Background jobs (django-tasks): the emails that leave the request.

Each job takes a row's id, not its content, so the queue holds no personal data or
message text, and each checks again, when it runs, that it should still send.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger("innovations.emails")


@task()
def send_response_confirmation(response_id: int) -> bool:
    """Email the link that confirms a "We do this too" / "We'd like to try this"."""
    from .models import Response
    from .services import response_confirm_url

    response = (
        Response.objects.select_related("innovation__campaign").filter(pk=response_id).first()
    )
    if response is None or response.is_confirmed or response.personal_data_removed_at:
        return False
    innovation = response.innovation
    saying = response.get_kind_display()
    EmailMessage(
        subject=f"Confirm: {saying} ({innovation.title})",
        body=(
            f"Hello {response.name},\n\n"
            f"You told {innovation.campaign.title} about “{innovation.title}”, "
            f"from {response.organisation_name}:\n\n    {saying}\n\n"
            "To confirm it, open this link and press the button. Until then it does not count "
            f"or show:\n\n{response_confirm_url(response)}\n\n"
            "The link works for 14 days. If this was not you, ignore this email: "
            "nothing is published without the confirmation.\n"
        ),
        to=[response.email],
    ).send()
    logger.info("response confirmation sent: response=%s", response.pk)
    return True


@task()
def relay_question(question_id: int) -> str:
    """Email a question to the person who shared the innovation, with Reply-To the asker.

    The submitter's address goes only to the mail server, never to the asker. Once
    sent (or not, if the submitter can no longer be contacted) the message text and
    the asker's details are blanked: the log keeps only that a message was relayed.
    """
    from .models import Question
    from .services import can_be_asked, stop_token

    question = (
        Question.objects.select_related("innovation__submission", "innovation__campaign")
        .filter(pk=question_id)
        .first()
    )
    if question is None or question.status != Question.Status.QUEUED:
        return "skipped"
    innovation = question.innovation
    submission = innovation.submission
    outcome = Question.Status.NOT_SENT
    if can_be_asked(submission):
        stop_url = settings.SITE_URL + reverse(
            "innovations:stop_questions", kwargs={"token": stop_token(submission)}
        )
        page = settings.SITE_URL + innovation.get_absolute_url()
        EmailMessage(
            subject=f"A question about “{innovation.title}” from {question.asker_name}",
            body=(
                f"Hello {submission.name},\n\n"
                f"{question.asker_name} read about “{innovation.title}”, which you shared "
                f"with {innovation.campaign.title} ({page}), and asks:\n\n"
                f"{question.message}\n\n"
                f"Reply to this email to answer {question.asker_name} directly: your reply "
                "goes to them, not to us. We have not given them your email address; "
                "replying tells them it.\n\n"
                "To stop messages about the innovations you shared, open this link:\n"
                f"{stop_url}\n"
            ),
            to=[submission.email],
            reply_to=[question.asker_email],
        ).send()
        outcome = Question.Status.SENT
    question.status = outcome
    question.sent_at = timezone.now() if outcome == Question.Status.SENT else None
    question.asker_name = question.asker_email = question.message = ""
    question.save(update_fields=["status", "sent_at", "asker_name", "asker_email", "message"])
    logger.info("question %s: question=%s innovation=%s", outcome, question.pk, innovation.pk)
    return outcome
