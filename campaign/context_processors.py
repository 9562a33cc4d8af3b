from . import sitesettings


def site_words(request):
    """The site's name and words for base.html, from the one site-settings record.

    Listed after core.context_processors.site, whose SITE_NAME (from the environment)
    this replaces with the organiser's own.
    """
    site_settings = sitesettings.current()
    return {"SITE_NAME": site_settings.site_name, "site_settings": site_settings}
