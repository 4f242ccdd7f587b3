"""Business actions, one function (or flow object) each: check the workflow rules, write
storage, queue outgoing messages, in the caller's one transaction. No Teams calls here."""
