"""Small pieces the hub and the client both need, so each exists once: the CSV cell guard
(``csv_cells``), the UTC datetime column type (``utc_datetime``) and directory fsync
(``files``). This package imports no other ``assessor_app`` layer and every layer may
import it (``tests/test_layers.py``); its modules are imported one by one, so taking the
CSV guard loads no SQLAlchemy.
"""
