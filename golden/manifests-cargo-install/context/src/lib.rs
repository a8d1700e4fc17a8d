pub fn count(words: &str) -> usize { words.split_whitespace().count() }
