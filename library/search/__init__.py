"""Search: the backend interface (base), the Whoosh engine and the Vietnamese text rules.

Nothing in this package imports Flask; the app's side lives in services.py and views.py.
"""
