package dev.switchboard.app;

import dev.switchboard.auth.Accounts;
import dev.switchboard.auth.AuthService;
import dev.switchboard.auth.Passwords;
import dev.switchboard.auth.Sessions;
import dev.switchboard.common.Tokens;
import dev.switchboard.config.Config;
import dev.switchboard.common.ApiException;
import dev.switchboard.common.Text;
import dev.switchboard.store.Db;
import dev.switchboard.store.Migrations;
import dev.switchboard.store.RedisStore;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar switchboard.jar accounts create|list|disable|enable ...}: the operator's tool
 * for whole accounts, against the configured DATABASE_URL (and REDIS_URL, where sessions must end
 * on every node). It migrates the schema first, as a node's start would.
 */
public final class AccountsCommand {

  static final String USAGE = """
      usage: java -jar switchboard.jar accounts create --name NAME --admin-email EMAIL [--admin-name NAME] [--admin-password PASSWORD]
             java -jar switchboard.jar accounts list
             java -jar switchboard.jar accounts disable --id ID
             java -jar switchboard.jar accounts enable --id ID
        create   a new account and its first admin; without --admin-password a password is generated and printed once
        list     every account: id, name, status, channels, active people
        disable  its people cannot sign in and their sessions end on every node (needs REDIS_URL);
                 its webhooks are still stored but held, not processed
        enable   it works again; the webhooks held while it was disabled are processed now
      Settings (DATABASE_URL, REDIS_URL, REDIS_PREFIX, ...) come from the environment and conf/config.json.
      """;

  private AccountsCommand() {
  }

  /** Exit codes: 0 done, 1 refused (unknown id, e-mail taken, ...), 2 bad usage or configuration. */
  public static int run(String[] args, Map<String, String> env, Path configFile, PrintStream out, PrintStream err) {
    if (args.length == 0 || List.of("--help", "-h", "help").contains(args[0])) {
      (args.length == 0 ? err : out).print(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    String verb = args[0];
    Map<String, String> opts;
    try {
      opts = options(args);
    } catch (IllegalArgumentException e) {
      return usage(err, e.getMessage());
    }
    Config config;
    try {
      config = Config.load(configFile, env, new JsonObject());
    } catch (Config.ConfigException e) {
      err.println("switchboard accounts: configuration error: " + e.getMessage());
      return 2;
    }
    if (config.databaseUrl() == null) {
      err.println("switchboard accounts: DATABASE_URL is not set: the command works on the configured database");
      return 2;
    }
    boolean needsRedis = verb.equals("disable");
    if (needsRedis && config.redisUrl() == null) {
      err.println("switchboard accounts: REDIS_URL is not set: disabling ends sessions on every node through Redis");
      return 2;
    }
    Vertx vertx = Vertx.vertx();
    Pool pool = null;
    RedisStore redis = null;
    try {
      pool = Db.pool(vertx, config.databaseUrl(), 2);
      redis = config.redisUrl() == null ? null : new RedisStore(vertx, Node.redisSetup(config), config.redisPrefix());
      Launch.await(Migrations.run(vertx, config.databaseUrl()), 120);
      AuthService auth = new AuthService(vertx, pool, config.auth().passwordIterations());
      Sessions sessions = new Sessions(pool, redis, new Tokens(vertx, config.jwtSecret()), 0, Duration.ZERO, Duration.ZERO,
          config.jwtSecret(), Clock.systemUTC());
      Accounts accounts = new Accounts(pool, auth, sessions, redis);
      return switch (verb) {
        case "create" -> create(accounts, opts, out, err);
        case "list" -> list(accounts, out);
        case "disable" -> {
          long id = id(opts);
          int people = Launch.await(accounts.disable(id), 60);
          out.println("account " + id + " disabled: " + people + " people signed out everywhere; its webhooks are held until it is enabled");
          yield 0;
        }
        case "enable" -> {
          long id = id(opts);
          int held = Launch.await(accounts.enable(id), 60);
          out.println("account " + id + " enabled: " + held + " held webhooks queued for processing");
          yield 0;
        }
        default -> usage(err, "unknown command '" + verb + "'");
      };
    } catch (IllegalArgumentException e) {
      return usage(err, e.getMessage());
    } catch (ApiException e) {
      err.println("switchboard accounts: " + e.getMessage());
      return 1;
    } catch (RuntimeException e) {
      err.println("switchboard accounts: " + Node.oneLine(e));
      return 1;
    } finally {
      if (redis != null) {
        redis.close();
      }
      if (pool != null) {
        Launch.await(pool.close(), 10);
      }
      Launch.await(vertx.close(), 10);
    }
  }

  private static int create(Accounts accounts, Map<String, String> opts, PrintStream out, PrintStream err) {
    String name = Text.name(required(opts, "--name"), "--name", Text.NAME_MAX);
    String email = required(opts, "--admin-email").trim();
    if (email.length() > 254 || !email.matches("[^@\\s]+@[^@\\s]+")) {
      throw new IllegalArgumentException("--admin-email is not an e-mail address");
    }
    String adminName = Text.name(opts.getOrDefault("--admin-name", email.substring(0, email.indexOf('@'))), "--admin-name", Text.NAME_MAX);
    String password = opts.get("--admin-password");
    boolean generated = password == null;
    if (generated) {
      password = Passwords.random();
    } else if (password.length() < 8 || password.length() > 1024) {
      throw new IllegalArgumentException("--admin-password must have 8 to 1024 characters");
    }
    JsonObject created = Launch.await(accounts.create(name, adminName, email, password), 60);
    out.println("account " + created.getLong("accountId") + " \"" + name + "\" created; admin " + email
        + " (user " + created.getLong("userId") + ")");
    if (generated) {
      out.println("admin password: " + password + "   (shown only this once: note it now)");
    }
    return 0;
  }

  private static int list(Accounts accounts, PrintStream out) {
    JsonArray all = Launch.await(accounts.list(), 60);
    out.printf("%-8s %-9s %8s %7s  %s%n", "ID", "STATUS", "CHANNELS", "AGENTS", "NAME");
    for (int i = 0; i < all.size(); i++) {
      JsonObject a = all.getJsonObject(i);
      out.printf("%-8d %-9s %8d %7d  %s%n", a.getLong("id"), a.getString("status"), a.getLong("channels"),
          a.getLong("agents"), a.getString("name"));
    }
    return 0;
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> opts = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      String key = args[i];
      if (!List.of("--name", "--admin-email", "--admin-name", "--admin-password", "--id").contains(key)) {
        throw new IllegalArgumentException("unknown option " + key);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(key + " lacks its value");
      }
      opts.put(key, args[++i]);
    }
    return opts;
  }

  private static String required(Map<String, String> opts, String key) {
    String v = opts.get(key);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException(key + " is required");
    }
    return v;
  }

  private static long id(Map<String, String> opts) {
    String v = required(opts, "--id");
    if (!v.matches("[0-9]{1,18}")) {
      throw new IllegalArgumentException("--id must be an account id (digits), got '" + v + "'");
    }
    return Long.parseLong(v);
  }

  private static int usage(PrintStream err, String problem) {
    err.println("switchboard accounts: " + problem);
    err.print(USAGE);
    return 2;
  }
}
