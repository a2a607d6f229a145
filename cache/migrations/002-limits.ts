/**
 * Schema version 2: the parse limit (`--max-file-bytes`) a package result depended on, NULL when it
 * hit no limit. A `partial` result computed under a smaller limit is not served once the limit is
 * larger: the larger limit may read what the smaller one could only scan lexically.
 */
export default `
ALTER TABLE packages ADD COLUMN max_file_bytes INTEGER;
`;
