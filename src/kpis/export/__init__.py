"""Exports of the report: the board deck, chart images, spreadsheets and the board pack that feeds them."""
