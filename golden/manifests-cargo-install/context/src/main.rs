fn main() { println!("{}", tally::count("a b c")); }
