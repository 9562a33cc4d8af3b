"""Running the background jobs in a test, as `manage.py db_worker --batch` would."""

from unittest import mock

from django.test import TestCase
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_jobs(rounds=10):
    """Run every job that is due now (by the clock, frozen or not), and the jobs they enqueue.

    A test runs inside one transaction that never commits, so what a job enqueues "on
    commit" is run here as a real commit would (captureOnCommitCallbacks), then run too.
    The worker's close_old_connections() would close that transaction's connection (its
    autocommit is off), so it is left out here.
    """
    for _ in range(rounds):
        if not DBTaskResult.objects.ready().exists():
            return
        with (
            TestCase.captureOnCommitCallbacks(execute=True),
            mock.patch(f"{Worker.__module__}.close_old_connections", lambda: None),
        ):
            Worker(
                queue_names=["*"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id="test-worker",
                excluded_queue_names=[],
            ).run()
    raise AssertionError(f"jobs still due after {rounds} rounds")
