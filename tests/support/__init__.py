"""Helpers shared by several test areas: a real hub on 127.0.0.1 (``support.hub``) and a
fault-injecting HTTP proxy to put in front of it (``support.fault_proxy``)."""
