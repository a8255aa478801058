/** The content type of every JSON text the registry answers with. */
export const JSON_TYPE = 'application/json; charset=utf-8';
