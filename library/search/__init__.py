"""Search: the backend interface (base), the Whoosh engine and the Vietnamese text rules.

Nothing in this package imports Flask but the app's side: backends.py (the app's backend and its
synonym list), indexing.py (keeping the index in step), querying.py and views.py.
"""
