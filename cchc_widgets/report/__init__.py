"""What a period's results look like to readers: analysis frames and facts, matplotlib charts,
the results workbook and the annual report notebook."""
