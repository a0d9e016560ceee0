"""Reference data: region, department and program names (one rule for every path) and the regions' localisation."""
