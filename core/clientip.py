"""The client's IP address, as far as this deployment can trust it.

`TRUSTED_PROXY_COUNT` (environment, default 0) says how many reverse proxies
sit in front of the app. With 0, the address is REMOTE_ADDR: X-Forwarded-For is
ignored because anyone can send it. With N > 0, each proxy appends the address
it saw to X-Forwarded-For, so the Nth address from the right is the one the
outermost trusted proxy saw: the client. Used by the submission rate limit and
by django-axes (AXES_CLIENT_IP_CALLABLE), so both agree.
"""

from django.conf import settings


def client_ip(request):
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")
