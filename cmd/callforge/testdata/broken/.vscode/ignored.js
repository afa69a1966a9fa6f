this is not javascript, and check never reads it
