def main() -> None:
    print(0)
