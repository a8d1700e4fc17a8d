fn main() { println!("report"); }
