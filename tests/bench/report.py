import sys
print("stub")
