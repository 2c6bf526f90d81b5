namespace Jaqmc.Cli.Serve;

/// <summary>A request the server refuses with a 4xx; <see cref="Exception.Message"/> names the field, the rule and the value.</summary>
internal sealed class BadRequestException : Exception
{
    public BadRequestException(string message, int statusCode = 400)
        : base(message)
    {
        StatusCode = statusCode;
    }

    public BadRequestException()
        : this("bad request")
    {
    }

    public BadRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
        StatusCode = 400;
    }

    public int StatusCode { get; }
}
