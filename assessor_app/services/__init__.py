"""Use cases the UI and the CLI call: sign in, open the queue, score, finalize, sync.

Services own transactions (through the store's repositories) and never touch widgets;
they may use QtCore only where a long job reports progress through signals.
"""
