The alert e-mail (subject and body) is written in the site's default language (en/fr/de); the dashboard links to the alerts settings page.
