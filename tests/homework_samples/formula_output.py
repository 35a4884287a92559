"""Prints spreadsheet formulas, then fails with one in its error."""
print("=HYPERLINK(\"http://example.invalid\", \"click\")")
print("+1+1")


def NN_model():
    print("=1+2")
    print("@SUM(A1:A2)")
    raise ValueError("=cmd|' /C calc'!A0")
