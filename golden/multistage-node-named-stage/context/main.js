document.title = "Guestbook";
