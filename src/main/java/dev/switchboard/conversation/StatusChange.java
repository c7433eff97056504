package dev.switchboard.conversation;

import dev.switchboard.common.ApiException;
import dev.switchboard.http.Bodies;
import dev.switchboard.common.Ids;
import io.vertx.core.json.JsonObject;

import java.util.Objects;

/**
 * A requested change of status and/or assignee ({@code PATCH /conversations/{id}}, bulk). The
 * rules: an assignee makes a conversation {@code assigned}; {@code open} and {@code closed} clear
 * the assignee; removing the assignee alone reopens an assigned conversation; {@code assigned}
 * needs an assignee (the one it already has, or a new one).
 *
 * @param assigneeGiven whether the body named {@code assignee} at all (null means "unassign")
 */
public record StatusChange(String status, boolean assigneeGiven, Assignee assignee) {

  /** An agent or a team. */
  public record Assignee(String type, long id) {
  }

  /** A conversation's state, before or after. */
  public record State(String status, String assigneeType, Long assigneeId) {
    boolean sameAs(State o) {
      return status.equals(o.status) && Objects.equals(assigneeType, o.assigneeType) && Objects.equals(assigneeId, o.assigneeId);
    }
  }

  /** Reads {@code status} and {@code assignee} from a body: wrong types 400, broken rules 422. */
  public static StatusChange from(JsonObject body) {
    String status = Bodies.string(body, "status", false);
    if (status != null) {
      status = status.trim().toLowerCase();
      if (!ConversationFilter.STATUSES.contains(status)) {
        throw ApiException.unprocessable("invalid_status", "status must be one of open, assigned, closed");
      }
    }
    boolean given = body.containsKey("assignee");
    Assignee assignee = null;
    JsonObject a = Bodies.obj(body, "assignee", false);
    if (a != null) {
      String type = Bodies.string(a, "type", false);
      if (type == null) {
        throw ApiException.badRequest("missing_field", "assignee.type is required");
      }
      if (!"agent".equals(type) && !"team".equals(type)) {
        throw ApiException.unprocessable("invalid_assignee", "assignee.type must be agent or team");
      }
      Object id = a.getValue("id");
      if (id == null) {
        throw ApiException.badRequest("missing_field", "assignee.id is required");
      }
      if (!(id instanceof String) && !(id instanceof Number)) {
        throw ApiException.badRequest("invalid_field", "assignee.id must be an id");
      }
      Long parsed = Ids.tryParse(id.toString());
      if (parsed == null) {
        // a well-formed request naming someone who cannot exist
        throw ApiException.unprocessable("unknown_assignee", "no " + type + " with id " + id);
      }
      assignee = new Assignee(type, parsed);
    }
    if (status == null && !given) {
      throw ApiException.badRequest("missing_field", "status or assignee is required");
    }
    if (assignee != null && status != null && !"assigned".equals(status)) {
      throw ApiException.unprocessable("invalid_transition",
          "an assignee makes the conversation assigned; it cannot also be " + status);
    }
    if (given && assignee == null && "assigned".equals(status)) {
      throw ApiException.unprocessable("assignee_required", "assigned needs an assignee");
    }
    return new StatusChange(status, given, assignee);
  }

  /** The state after this change, or 422 when the change cannot apply to {@code current}. */
  public State apply(State current, long conversationId) {
    if (assignee != null) {
      return new State("assigned", assignee.type(), assignee.id());
    }
    if (assigneeGiven) {
      String next = status != null ? status : ("assigned".equals(current.status()) ? "open" : current.status());
      return new State(next, null, null);
    }
    if ("assigned".equals(status)) {
      if ("assigned".equals(current.status())) {
        return current;
      }
      throw ApiException.unprocessable("assignee_required",
          "conversation " + conversationId + " has no assignee: assigned needs an assignee");
    }
    return new State(status, null, null);
  }
}
