def main() -> None:
    print("tide")
