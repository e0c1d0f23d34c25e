import { PageSkeleton } from "../_components/page-skeleton";

/**
 * Shown while this page's data is read. Not at the app's root: a root loading boundary starts
 * the response (status 200) before a run page can call notFound(), so an unknown run could not
 * answer 404.
 */
export default PageSkeleton;
