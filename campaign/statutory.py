"""The accessibility statement and the privacy notice: the defaults, and the pages.

Each default is written from what this site really does (what the form asks, who
sees it, the purge), in the shape of GOV.UK's model accessibility statement and a UK
GDPR privacy notice. The organiser can replace either in admin (Site settings, in
Markdown); an empty field publishes the default. `{organiser}`, `{email}` and `{site}`
in either text are filled in from the site settings.
"""

from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from core.markup import render_markdown

from . import sitesettings

ACCESSIBILITY = """\
This accessibility statement applies to {site}: its campaign pages, the list of
innovations, the form to share an innovation, and the pages about each innovation and
organisation. It does not cover the organisers' admin pages.

{organiser} run this website. We want as many people as possible to be able to use it.
For example, that means you should be able to:

- zoom in up to 400% without the text spilling off the screen
- navigate the whole site using just a keyboard
- use the form with a screen reader (NVDA, JAWS, VoiceOver and TalkBack)
- change colours, contrast levels and fonts using browser or device settings
- use the site with JavaScript turned off: every form works without it

## How accessible this website is

We know some parts of this website are not fully accessible:

- the pace chart is a picture; the same figures are given in words beside it
- pictures that people send with their innovations are described by the person who sent
  them, and some descriptions may be brief
- the PDF editions of a campaign's list are made for printing and are not tagged PDFs; the
  same list is on the website as HTML and as CSV and JSON files

## Feedback and contact information

If you need information on this website in a different format, like accessible PDF, large
print, easy read, audio recording or braille, or if you find any problems not listed on this
page, email {email_line}. We'll consider your request and get back to you in 10 working days.

## Reporting accessibility problems with this website

We're always looking to improve the accessibility of this website. If you find any problems
not listed on this page or think we're not meeting accessibility requirements, contact
{email_line}.

## Enforcement procedure

The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector
Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the
"accessibility regulations"). If you're not happy with how we respond to your complaint,
[contact the Equality Advisory and Support Service (EASS)](https://www.equalityadvisoryservice.com/).

## Technical information about this website's accessibility

{organiser} are committed to making this website accessible, in accordance with the Public
Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018.

### Compliance status

This website is partially compliant with the
[Web Content Accessibility Guidelines version 2.2](https://www.w3.org/TR/WCAG22/) AA standard,
due to the non-compliance listed below.

### Non-accessible content

#### Non-compliance with the accessibility regulations

The PDF editions of a campaign's collated list are not tagged, so a screen reader cannot
tell their headings and lists apart from the rest of the text. This fails WCAG 2.2 success
criterion 1.3.1 (Info and relationships). They were made to be printed in a magazine; the
same content is on the website as HTML, which meets the standard.

#### Disproportionate burden

We are not claiming disproportionate burden for any part of this website.

#### Content that's not within the scope of the accessibility regulations

Pictures and descriptions sent in by the public are published as they were sent, once an
organiser has approved them.

## What we're doing to improve accessibility

Every change to the site is checked automatically before it is released: each page is
tested in a real browser with axe-core (WCAG 2.2 A and AA rules) and the Nu HTML Checker,
on a desktop screen and a phone screen, with JavaScript on and off.

## Preparation of this accessibility statement

This statement was prepared on 5 December 2026. It was last reviewed on 5 December 2026.

This website was last tested on 5 December 2026 against the WCAG 2.2 AA standard. The test
was carried out by the developers of {site}, with automated tests (axe-core and the Nu HTML
Checker in Chromium) on every public page and the form, and by hand with a keyboard and at
400% zoom.
"""

PRIVACY = """\
This notice explains what personal data {site} collects when you share an innovation, why,
and what happens to it. {organiser} are the data controller.

## What we collect

When you share an innovation, the form asks for:

- your name and email address (needed)
- your job title or role, and your Twitter handle (if you give them)
- the name of your organisation, and what you tell us about your innovations (the title,
  description, theme, a link and a picture if you add one, and answers to the campaign's
  own questions)
- the time you agreed that the innovations may be published with your organisation's name

Our server also records, for every request, the time, the page asked for and the address
of the device it came from, to keep the site working and secure. The address is used to
stop one device sending too many forms in a short time.

## Why we collect it, and the lawful basis

- **Your name, email address, role and Twitter handle**: so the organisers can check a
  submission, ask you about it and thank you. We send you one email confirming what you
  sent. Our lawful basis is legitimate interests (running the campaign you took part in).
- **Your innovations and your organisation's name**: to publish them, as you agreed when
  you ticked the box on the form. Our lawful basis is your consent, which you can withdraw.
- **Server logs and device addresses**: to keep the site secure and working. Our lawful
  basis is legitimate interests.

## Who sees it

Your name, email address, role and Twitter handle are never published: only the
organisers see them, in the site's admin pages. Your innovations, your organisation's name
and the answers to questions marked as public are published on this website, in its feeds
and downloads, and in the PDF editions of the campaign's list. Pictures are published with
your description of them; we remove the location and camera details from every picture
before keeping it.

We do not sell your data or share it with anyone else. The company that hosts the site
stores it on our behalf and may not use it for anything else.

## How long we keep it

Your name, email address, role and Twitter handle are kept while the campaign runs and for a
short time after it closes, so the organisers can follow up. Then the organisers remove them
with the site's purge (the `purge_personal_data` command): each name becomes "(removed)",
each email address a placeholder that reaches no one, and roles and Twitter handles are
emptied, in the submissions, their history and the admin's log; the pictures of innovations that
were not published are deleted, and so is any picture sent with a form that was never
completed. The innovations and your
organisation's name stay published, as the record of the campaign. Backups taken before the
purge expire within 35 days. Server logs are deleted after 30 days.

## Your rights

You have the right to ask for a copy of your personal data, to have it corrected or deleted,
to object to how we use it or ask us to restrict it, and to withdraw your consent to
publication at any time (we will then take your innovations off the site). Email
{email_line}. We will reply within one month.

If you are unhappy with how we have used your data, you can complain to the Information
Commissioner's Office (ICO): [ico.org.uk/make-a-complaint](https://ico.org.uk/make-a-complaint/).

## Who to contact

{organiser}: {email_line}.
"""


def _fill(text, site_settings):
    email = site_settings.organiser_email
    values = {
        "site": site_settings.site_name,
        "organiser": site_settings.organiser_name,
        "email": email,
        "email_line": f"[{email}](mailto:{email})" if email else "the organisers",
    }
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def accessibility_text(site_settings):
    return _fill(site_settings.accessibility_statement or ACCESSIBILITY, site_settings)


def privacy_text(site_settings):
    return _fill(site_settings.privacy_notice or PRIVACY, site_settings)


def _page(request, title, text, description):
    site_settings = sitesettings.current()
    context = {
        "title": title,
        "body": render_markdown(text(site_settings)),
        "updated_at": site_settings.updated_at,
        "meta_description": description,
        "canonical_url": request.build_absolute_uri(request.path),
    }
    return render(request, "campaign/statutory.html", context)


@require_safe
@cache_control(public=True, max_age=0, s_maxage=60)
def accessibility(request):
    return _page(
        request,
        "Accessibility statement",
        accessibility_text,
        "How accessible this website is, what we know is not yet, and how to tell us.",
    )


@require_safe
@cache_control(public=True, max_age=0, s_maxage=60)
def privacy(request):
    return _page(
        request,
        "Privacy notice",
        privacy_text,
        "What personal data the form collects, why, who sees it, how long we keep it.",
    )
