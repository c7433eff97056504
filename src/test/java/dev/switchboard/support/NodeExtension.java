package dev.switchboard.support;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a test class of a real node starts once and stops at the end: a database of its own, a
 * Vert.x for the test's clients, optionally the Graph API fake (GRAPH_API_URL then points at
 * it), a node with its own Redis prefix, an {@link Http} client on it and optionally a seeded
 * account.
 * <pre>{@code
 * @RegisterExtension
 * static final NodeExtension env = NodeExtension.builder().graph().settings(new JsonObject().put("OUTBOUND_POLL_MS", 100)).build();
 * }</pre>
 * Everything is ready before the class's own {@code @BeforeAll} methods run. Whatever was
 * started is closed in reverse order after the class, and at once when the setup fails half-way
 * (a node that does not start leaves no Vert.x, fake or database behind).
 */
public final class NodeExtension implements BeforeAllCallback, AfterAllCallback {

  private final boolean withGraph;
  private final boolean withS3;
  private final boolean withNode;
  private final JsonObject settings;
  private final Clock clock;
  private final String accountName;

  private final Deque<AutoCloseable> open = new ArrayDeque<>();
  private TestDb db;
  private Vertx vertx;
  private FakeGraph graph;
  private S3Server s3;
  private String redisPrefix;
  private TestNode node;
  private Http http;
  private Seed.Account account;
  private JsonObject nodeSettings;

  private NodeExtension(Builder b) {
    this.withGraph = b.graph;
    this.withS3 = b.s3;
    this.withNode = b.node;
    this.settings = b.settings;
    this.clock = b.clock;
    this.accountName = b.account;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** How the class's node is set up. */
  public static final class Builder {
    private boolean graph;
    private boolean s3;
    private boolean node = true;
    private final JsonObject settings = new JsonObject();
    private Clock clock = Clock.systemUTC();
    private String account;

    private Builder() {
    }

    /** Starts the Graph API fake and points GRAPH_API_URL at it. */
    public Builder graph() {
      this.graph = true;
      return this;
    }

    /** Starts an S3 API server (S3Proxy) and keeps the node's media in its bucket ({@code MEDIA_STORE=s3}). */
    public Builder s3() {
      this.s3 = true;
      return this;
    }

    /** Node settings on top of {@link TestNode#settings}; later calls add to earlier ones. */
    public Builder settings(JsonObject overrides) {
      settings.mergeIn(overrides);
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Seeds an account with an admin ({@link Seed#account}); the database has its schema from the start ({@link TestDb#create}). */
    public Builder account(String name) {
      this.account = name;
      return this;
    }

    /**
     * No node: the class starts its own (several, or with a clock it shares) on {@link #db()}
     * and {@link #redisPrefix()}, and closes them; the extension still owns the rest.
     */
    public Builder withoutNode() {
      this.node = false;
      return this;
    }

    public NodeExtension build() {
      return new NodeExtension(this);
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    try {
      db = TestDb.create();
      open.push(db::drop);
      vertx = Vertx.vertx();
      open.push(() -> vertx.close().await());
      JsonObject overrides = new JsonObject();
      if (withGraph) {
        graph = open(FakeGraph.start(vertx));
        overrides.put("GRAPH_API_URL", graph.url());
      }
      if (withS3) {
        s3 = open(S3Server.start());
        overrides.mergeIn(s3.settings());
      }
      overrides.mergeIn(settings);
      nodeSettings = overrides;
      redisPrefix = TestNode.newRedisPrefix();
      if (withNode) {
        node = open(TestNode.start(db, redisPrefix, overrides, clock));
        http = open(new Http(vertx, node.baseUrl()));
      }
      if (accountName != null) {
        account = Seed.account(db, accountName);
      }
    } catch (RuntimeException | Error e) {
      closeAll(e);
      throw e;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    closeAll(null);
  }

  /**
   * Another node of the same deployment: the class's database, Redis prefix and settings, closed
   * with the rest. For tests of what every node must see at once.
   */
  public TestNode anotherNode() {
    return open(TestNode.start(db, redisPrefix, nodeSettings, clock));
  }

  /** Closes {@code resource} with the rest, before what was started earlier; returns it. */
  public <T extends AutoCloseable> T open(T resource) {
    open.push(resource);
    return resource;
  }

  // reverse order of start; every close is attempted, the first failure is thrown with the rest suppressed
  private void closeAll(Throwable setupFailure) {
    Throwable first = null;
    while (!open.isEmpty()) {
      try {
        open.pop().close();
      } catch (Exception | Error e) {
        if (setupFailure != null) {
          setupFailure.addSuppressed(e);
        } else if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first instanceof RuntimeException r) {
      throw r;
    }
    if (first instanceof Error err) {
      throw err;
    }
    if (first != null) {
      throw new IllegalStateException(first);
    }
  }

  public TestDb db() {
    return db;
  }

  /** The test's own Vert.x (the fake and the clients run on it, not on the node's). */
  public Vertx vertx() {
    return vertx;
  }

  public FakeGraph graph() {
    return graph;
  }

  /** The S3 API server of {@link Builder#s3()}; null without it. */
  public S3Server s3() {
    return s3;
  }

  public String redisPrefix() {
    return redisPrefix;
  }

  public TestNode node() {
    return node;
  }

  public Http http() {
    return http;
  }

  public Seed.Account account() {
    return account;
  }
}
