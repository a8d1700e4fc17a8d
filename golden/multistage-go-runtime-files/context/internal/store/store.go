package store

// Store keeps the guestbook in memory; "internal" names no file read at run time.
type Store struct{ entries []string }

func New() *Store { return &Store{} }

func (s *Store) All() []string { return s.entries }
