using System.Text.Json;

namespace ModelRegistry.Cli.Demo;

/// <summary>
/// What the demo prints: one line per step as it happens, <c>[actor] what happened</c>, or with <c>--json</c> one JSON object
/// per line (<c>{"actor": ..., "text": ...}</c>). The actors run concurrently; their lines never interleave.
/// </summary>
internal sealed class DemoLog(TextWriter output, bool json)
{
    private readonly Lock gate = new();

    public void Line(string actor, string text)
    {
        lock (gate)
        {
            if (json) output.WriteLine(JsonSerializer.Serialize(new { actor, text }, CliJson.Compact));
            else output.WriteLine($"[{actor}] {text}");
            output.Flush();
        }
    }
}
