"""The web apps: the scoring and what-if sessions (view state), their widgets (Python and
JavaScript) and the Voilà entry points. Widgets hold no logic; every change goes through
`services.writes`."""
