/**
 * An LLM call as a conversation: the messages of its input (OpenAI chat, Anthropic, the
 * Responses API, LangChain) followed by the reply in its output, one turn per message.
 *
 * The same reading is done in Python for the static export
 * (opik_jupyter/widgets/_conversation.py); tests/fixtures/conversations.json pins both.
 */
import type { Json } from "./types";

type JsonObject = { [key: string]: Json };

export interface ToolCall {
  id: string | null;
  name: string;
  arguments: Json;
}

/** One turn: who spoke, the text, the tools it called, what it answered, other parts. */
export interface Message {
  role: string;
  text: string;
  tool_calls: ToolCall[];
  tool_call_id: string | null;
  /** Parts that are neither text nor tool calls (images, audio, files), as given. */
  parts: Json[];
}

const ROLES: Record<string, string> = { human: "user", ai: "assistant", developer: "system", model: "assistant" };
const TEXT_PARTS = new Set(["text", "input_text", "output_text"]);

/** The conversation of an LLM call, or null when its input holds no messages. */
export function conversation(input: Json | undefined, output: Json | undefined): Message[] | null {
  if (!isObject(input)) return null;
  const opening: Message[] = [];
  for (const key of ["system", "instructions"]) {
    const text = textOf(input[key]);
    if (text) opening.push(message("system", text));
  }
  const turns = inputTurns(input);
  if (turns === null) return null;
  const replies = outputTurns(output);
  const said = replies.filter((turn) => !isEmpty(turn));
  return [...opening, ...turns.flatMap((item) => fromItem(item)), ...(said.length ? said : replies)];
}

function isEmpty(turn: Message): boolean {
  return !turn.text && turn.tool_calls.length === 0 && turn.parts.length === 0;
}

function inputTurns(input: JsonObject): Json[] | null {
  let messages = input.messages;
  if (Array.isArray(messages) && messages.length > 0 && Array.isArray(messages[0])) messages = messages[0];
  if (Array.isArray(messages)) return messages;
  if (Array.isArray(input.input)) return input.input;
  if (typeof input.input === "string") return [{ role: "user", content: input.input }];
  if (typeof input.prompt === "string") return [{ role: "user", content: input.prompt }];
  return null;
}

function outputTurns(output: Json | undefined): Message[] {
  if (output === undefined || output === null) return [];
  if (typeof output === "string") return [message("assistant", output)];
  if (!isObject(output)) return [];
  if (Array.isArray(output.choices)) {
    return output.choices.flatMap((choice) =>
      fromItem(isObject(choice) && isObject(choice.message) ? choice.message : choice, "assistant"),
    );
  }
  if ("role" in output || "content" in output || "tool_calls" in output) {
    const turns = fromItem(output, "assistant");
    const extra = Array.isArray(output.output) ? output.output.flatMap((item) => fromItem(item, "assistant")) : [];
    return [...turns, ...extra];
  }
  if (typeof output.text === "string") return [message("assistant", output.text)];
  return [];
}

/** One input or output item as turns (an Anthropic tool_result block becomes a tool turn). */
function fromItem(item: Json, fallbackRole = "user"): Message[] {
  if (typeof item === "string") return [message(fallbackRole, item)];
  if (!isObject(item)) return [message(fallbackRole, "", [], [item])];
  if (item.type === "function_call") return [{ ...message("assistant", ""), tool_calls: [toolCall(item)] }];
  if (item.type === "function_call_output") return [toolResult(str(item.call_id), item.output)];
  const rawRole = str(item.role) ?? str(item.type) ?? fallbackRole;
  const turn = message(ROLES[rawRole] ?? rawRole, "");
  turn.tool_call_id = str(item.tool_call_id);
  const texts: string[] = [];
  const results: Message[] = [];
  for (const part of Array.isArray(item.content) ? item.content : [item.content ?? null]) {
    if (part === null) continue;
    if (typeof part === "string") texts.push(part);
    else if (isObject(part) && TEXT_PARTS.has(str(part.type) ?? "") && typeof part.text === "string")
      texts.push(part.text);
    else if (isObject(part) && part.type === "tool_use") turn.tool_calls.push(toolCall(part));
    else if (isObject(part) && part.type === "tool_result")
      results.push(toolResult(str(part.tool_use_id), part.content));
    else turn.parts.push(part);
  }
  turn.text = texts.join("\n\n");
  for (const call of Array.isArray(item.tool_calls) ? item.tool_calls : []) turn.tool_calls.push(toolCall(call));
  if (isObject(item.function_call)) turn.tool_calls.push(toolCall(item.function_call));
  return isEmpty(turn) && results.length > 0 ? results : [turn, ...results];
}

function toolCall(call: Json): ToolCall {
  const obj = isObject(call) ? call : {};
  const fn = isObject(obj.function) ? obj.function : obj;
  const args = fn.arguments ?? fn.input ?? fn.args ?? null;
  return { id: str(obj.id) ?? str(obj.call_id), name: str(fn.name) ?? "tool", arguments: parsed(args) };
}

function toolResult(id: string | null, content: Json | undefined): Message {
  const text = textOf(content ?? null);
  const kept = text === null && content !== undefined && content !== null ? [content] : [];
  const turn = message("tool", text ?? "", [], kept);
  turn.tool_call_id = id;
  return turn;
}

/** Text of a string or of a list of text blocks; null for anything else. */
function textOf(value: Json | undefined): string | null {
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) return null;
  const texts = value.map((part) =>
    typeof part === "string" ? part : isObject(part) && typeof part.text === "string" ? part.text : null,
  );
  return texts.every((text) => text !== null) ? texts.join("\n\n") : null;
}

function parsed(value: Json): Json {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as Json;
  } catch {
    return value;
  }
}

function message(role: string, text: string, toolCalls: ToolCall[] = [], parts: Json[] = []): Message {
  return { role, text, tool_calls: toolCalls, tool_call_id: null, parts };
}

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function str(value: Json | undefined): string | null {
  return typeof value === "string" && value ? value : null;
}
