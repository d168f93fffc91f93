"""placeholder"""


def routes_needing_eta():
    return []
