package dev.switchboard.jmh;

import dev.switchboard.bot.Flow;
import dev.switchboard.bot.FlowEvaluator;
import dev.switchboard.bot.FlowJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The bot runs for every inbound message of a Closed conversation: 20 flows, the last one matches. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FlowEvaluatorBench {

  private List<Flow> flows;
  private final FlowEvaluator.Message hit = new FlowEvaluator.Message(1, "text", "Olá! What is the PRICE of shipping to Lisbon?", null, false);
  private final FlowEvaluator.Message miss = new FlowEvaluator.Message(1, "text", "I just wanted to say thanks for yesterday", null, false);
  private final Map<String, String> fields = Map.of("membership", "diamond");
  private final Set<String> labels = Set.of("vip");

  @Setup
  public void flows() {
    flows = new ArrayList<>();
    JsonArray reply = new JsonArray().add(new JsonObject().put("type", "reply").put("text", "Hi {{membership}} member, prices are on our site."));
    for (int i = 0; i < 19; i++) {
      JsonObject trigger = i % 2 == 0
          ? new JsonObject().put("type", "keyword").put("keywords", new JsonArray().add("refund" + i).add("cancel order " + i))
          : new JsonObject().put("type", "regex").put("pattern", "order\\s+#?" + i + "\\d{4}");
      flows.add(new Flow(i, "flow " + i, true, null, FlowJson.trigger(trigger), FlowJson.actions(reply), i));
    }
    flows.add(new Flow(99, "prices", true, null,
        FlowJson.trigger(new JsonObject().put("type", "keyword").put("keywords", new JsonArray().add("price").add("how much"))),
        FlowJson.actions(reply), 99));
  }

  @Benchmark
  public Optional<FlowEvaluator.Decision> lastFlowMatches() {
    return FlowEvaluator.evaluate(hit, "closed", fields, labels, flows);
  }

  @Benchmark
  public Optional<FlowEvaluator.Decision> noFlowMatches() {
    return FlowEvaluator.evaluate(miss, "closed", fields, labels, flows);
  }
}
