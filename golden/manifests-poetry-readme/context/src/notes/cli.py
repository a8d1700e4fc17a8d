def main() -> None:
    print("notes")
