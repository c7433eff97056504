package dev.switchboard.demo;

/**
 * What the simulator reads from the gateway's tables (read-only): it plays the world outside the
 * gateway, so it sees every account's channels and contacts, the way Meta does.
 */
final class SimulatorSql {

  private SimulatorSql() {
  }

  static final String CHANNELS =
      "SELECT platform, external_id, name FROM channels ORDER BY id";
  static final String CHANNEL_BY_TOKEN =
      "SELECT platform, external_id FROM channels WHERE access_token = $1 ORDER BY id LIMIT 1";
  static final String CONTACTS = """
      SELECT ch.platform, ch.external_id, ct.platform_user_id, coalesce(ct.display_name, ct.platform_name) AS name, ct.username
      FROM contacts ct JOIN channels ch ON ch.id = ct.channel_id
      ORDER BY ct.id
      LIMIT 1000""";
  static final String CONTACT = """
      SELECT ch.platform, ch.external_id, ct.platform_user_id, coalesce(ct.platform_name, ct.display_name) AS name
      FROM contacts ct JOIN channels ch ON ch.id = ct.channel_id
      WHERE ct.platform_user_id = $1
      ORDER BY ct.id
      LIMIT 1""";
}
