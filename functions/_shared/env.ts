/** Environment access for edge functions, with errors that name the missing variable. */

export class MissingEnvError extends Error {
  readonly variable: string;

  constructor(variable: string) {
    super(
      `Missing required environment variable ${variable} ` +
        `(set it in functions/.env locally, or with \`supabase secrets set\` on a hosted project)`,
    );
    this.name = "MissingEnvError";
    this.variable = variable;
  }
}

/** The value of `name`; throws MissingEnvError when it is unset or empty. */
export function requireEnv(name: string): string {
  const value = Deno.env.get(name);
  if (value === undefined || value === "") throw new MissingEnvError(name);
  return value;
}

/** The value of `name`, or `fallback` when it is unset or empty. */
export function optionalEnv(name: string, fallback?: string): string | undefined {
  const value = Deno.env.get(name);
  return value === undefined || value === "" ? fallback : value;
}
