package dev.switchboard.assign;

/** The auto-assigner's statements. */
final class AssignSql {

  private AssignSql() {
  }

  /**
   * Waiting conversations not tried yet, or tried before the account's latest wake (a lower wake
   * generation, V63), or tried longer ago than the retry interval ($1 ms). The queue row and the conversation are both locked,
   * skipping rows another node holds: a row is the claim, and it dies with its transaction. A
   * snoozed conversation stays queued but is not claimed: it waits for its wake (which wakes the
   * assigner, V62) like any other, and snoozing it needs the row lock this claim holds.
   */
  static final String CLAIM = """
      SELECT q.conversation_id, q.account_id, c.status, c.assignee_type, c.assignee_id,
             coalesce(w.generation, 0) AS generation
        FROM assign_queue q
        JOIN conversations c ON c.id = q.conversation_id
        LEFT JOIN assign_wakes w ON w.account_id = q.account_id
       WHERE (q.tried_at IS NULL OR coalesce(q.tried_generation, -1) < coalesce(w.generation, 0) OR q.tried_at < now() - make_interval(secs => $1 / 1000.0))
         AND c.snoozed_until IS NULL
       ORDER BY q.enqueued_at, q.conversation_id
       LIMIT $2
         FOR UPDATE OF q, c SKIP LOCKED""";

  /** One assigner per account at a time: the capacity counts and round-robin pointers it reads stay true until it commits. */
  static final String LOCK_ACCOUNT = "SELECT pg_advisory_xact_lock(hashtext('assign'), ($1 % 2147483647)::int)";

  static final String ACCOUNT_SETTING = "SELECT auto_assign FROM accounts WHERE id = $1";

  static final String TEAMS = """
      SELECT t.id, t.auto_assign,
             coalesce((SELECT array_agg(m.user_id ORDER BY m.user_id) FROM team_members m WHERE m.team_id = t.id), '{}') AS members
        FROM teams t WHERE t.account_id = $1 AND t.id = ANY($2)""";

  /**
   * Active agents in id order with what they work on now: the conversations they hold (closing
   * clears the assignee) that are not snoozed. A snoozed one counts again from its wake; an agent
   * whose wakes took them to or over capacity gets nothing new until they are under it.
   */
  static final String AGENTS = """
      SELECT u.id, u.availability, coalesce(l.n, 0)::int AS load
        FROM users u
        LEFT JOIN (SELECT assignee_id, count(*) AS n FROM conversations
                    WHERE account_id = $1 AND assignee_type = 'agent' AND snoozed_until IS NULL
                    GROUP BY assignee_id) l ON l.assignee_id = u.id
       WHERE u.account_id = $1 AND u.active
       ORDER BY u.id""";

  static final String POINTERS = "SELECT scope, last_user_id FROM assign_pointers WHERE account_id = $1";

  static final String SAVE_POINTERS = """
      INSERT INTO assign_pointers (account_id, scope, last_user_id)
      SELECT $1, v.scope, v.u FROM unnest($2::text[], $3::bigint[]) AS v(scope, u)
      ON CONFLICT (account_id, scope) DO UPDATE SET last_user_id = EXCLUDED.last_user_id""";

  static final String ASSIGN = """
      UPDATE conversations c
         SET status = 'assigned', assignee_type = 'agent', assignee_id = v.u, updated_at = now()
        FROM unnest($1::bigint[], $2::bigint[]) AS v(id, u)
       WHERE c.id = v.id AND c.account_id = $3""";

  static final String HISTORY = """
      INSERT INTO conversation_history (account_id, conversation_id, actor_type, actor_id, from_status, to_status,
                                        from_assignee_type, from_assignee_id, to_assignee_type, to_assignee_id)
      SELECT $1, v.id, 'system', NULL, v.fs, 'assigned', v.fat, v.fai, 'agent', v.u
        FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[]) AS v(id, fs, fat, fai, u)""";

  static final String DONE = "DELETE FROM assign_queue WHERE conversation_id = ANY($1)";

  /** $2: the wake generation the round read with its claim, so any wake committed after it tries them again. */
  static final String TRIED = "UPDATE assign_queue SET tried_at = now(), tried_generation = $2 WHERE conversation_id = ANY($1)";

  static final String WAKE = """
      INSERT INTO assign_wakes (account_id, woke_at, generation) VALUES ($1, clock_timestamp(), 1)
      ON CONFLICT (account_id) DO UPDATE SET woke_at = EXCLUDED.woke_at, generation = assign_wakes.generation + 1""";

  /** Turning auto-assignment on queues what already waits: Open conversations, and the team's hand-offs. */
  static final String ENQUEUE_WAITING = """
      INSERT INTO assign_queue (conversation_id, account_id)
      SELECT id, account_id FROM conversations
       WHERE account_id = $1
         AND ((status = 'open' AND $2::bigint IS NULL)
              OR (status = 'assigned' AND assignee_type = 'team' AND ($2::bigint IS NULL OR assignee_id = $2)))
      ON CONFLICT (conversation_id) DO NOTHING""";

  static final String ACCOUNT = "SELECT id, name, auto_assign FROM accounts WHERE id = $1";
  static final String SET_ACCOUNT = "UPDATE accounts SET auto_assign = $2 WHERE id = $1 RETURNING id, name, auto_assign";
  static final String SET_TEAM = "UPDATE teams SET auto_assign = $3 WHERE id = $1 AND account_id = $2 RETURNING id";
}
