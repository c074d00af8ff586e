using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Platform;

/// <summary>
/// How the workers read the values of incoming messages where System.Text.Json's defaults would take the wrong side of
/// "which failure goes where" (docs/messages.md): a rule a body breaks is a rejection event with a reason, not an error-queue
/// entry, and a value that can only be read one way must not be read in another.
/// </summary>
public static class WireJsonConverters
{
    /// <summary>Adds the converters to <paramref name="options"/> (once) and returns it: MassTransit's shared message options.</summary>
    public static JsonSerializerOptions AddTo(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Converters.OfType<UnpairedSurrogateStringConverter>().Any()) options.Converters.Add(new UnpairedSurrogateStringConverter());
        if (!options.Converters.OfType<OffsetRequiredTimestampConverter>().Any()) options.Converters.Add(new OffsetRequiredTimestampConverter());
        return options;
    }
}

/// <summary>
/// Reads a JSON string that escapes an unpaired UTF-16 surrogate (<c>"\ud800"</c>) as the text it says, where System.Text.Json
/// refuses to read it at all and the message would go to the error queue. The rules then refuse it (a text the database cannot
/// store is <c>invalid_value</c>), with a rejection event. Every other string is read as System.Text.Json reads it; a string
/// that is not valid UTF-8 is still unreadable, and so is a map key (a tag key, a metric name) with an unpaired surrogate:
/// System.Text.Json reads every dictionary key itself before any converter sees it.
/// </summary>
public sealed class UnpairedSurrogateStringConverter : JsonConverter<string>
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException) when (reader.TokenType == JsonTokenType.String && reader.ValueIsEscaped)
        {
            return Unescape(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan);
        }
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }

    /// <summary>The escaped JSON string <paramref name="raw"/> as UTF-16, each <c>\uXXXX</c> taken as the code unit it names.</summary>
    private static string Unescape(ReadOnlySpan<byte> raw)
    {
        var text = new StringBuilder(raw.Length);
        try
        {
            while (raw.Length > 0)
            {
                var slash = raw.IndexOf((byte)'\\');
                if (slash < 0)
                {
                    text.Append(StrictUtf8.GetString(raw));
                    break;
                }
                text.Append(StrictUtf8.GetString(raw[..slash]));
                var escape = (char)raw[slash + 1];
                if (escape == 'u')
                {
                    text.Append((char)Convert.ToUInt16(Encoding.ASCII.GetString(raw.Slice(slash + 2, 4)), 16));
                    raw = raw[(slash + 6)..];
                    continue;
                }
                text.Append(escape switch { 'b' => '\b', 'f' => '\f', 'n' => '\n', 'r' => '\r', 't' => '\t', _ => escape });
                raw = raw[(slash + 2)..];
            }
        }
        catch (DecoderFallbackException)
        {
            throw new JsonException("The JSON string is not valid UTF-8.");
        }
        return text.ToString();
    }
}

/// <summary>
/// Reads a timestamp as System.Text.Json does, except one without a UTC offset ("2026-11-26T12:00:00", or a date alone), which
/// System.Text.Json would read in the host's time zone: it becomes <see cref="FieldRules.TimestampWithoutOffset"/>, which the
/// rules refuse as <c>invalid_value</c> with a rejection event.
/// </summary>
public sealed class OffsetRequiredTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var value = reader.GetDateTimeOffset();
        var hasOffset = reader.ValueIsEscaped || reader.HasValueSequence
            ? HasOffset(Encoding.UTF8.GetBytes(reader.GetString()!))
            : HasOffset(reader.ValueSpan);
        return hasOffset ? value : FieldRules.TimestampWithoutOffset;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }

    // The forms System.Text.Json reads are ISO 8601: an offset is a 'Z' or a sign after the time; a date alone has none.
    private static bool HasOffset(ReadOnlySpan<byte> text)
    {
        var t = text.IndexOfAny((byte)'T', (byte)'t');
        if (t < 0) return false;
        var time = text[(t + 1)..];
        return time.IndexOfAny((byte)'Z', (byte)'z') >= 0 || time.IndexOfAny((byte)'+', (byte)'-') >= 0;
    }
}
